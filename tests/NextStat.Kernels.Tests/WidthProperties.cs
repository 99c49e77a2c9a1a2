using FsCheck.Xunit;
using Xunit;

namespace NextStat.Kernels.Tests;

/// <summary>
/// Every forced width against the scalar reference, the element method run as plain C#. Arithmetic-only kernels must
/// match bit for bit (NaN matches any NaN); kernels calling Math.Log/Exp match KernelMath's scalar form bit for bit on
/// every width, and Math.Log/Exp within <see cref="LogExpUlpBound"/>.
/// </summary>
[Properties(Arbitrary = [typeof(KernelArbitraries)], MaxTest = 40)]
public class WidthProperties
{
    /// <summary>
    /// Largest distance, in ulps of the result, of KernelMath.Log/Exp from Math.Log/Exp: KernelMath documents 0.52 and
    /// 0.51 ulp from the exact functions, at most 1 ulp from Math.Log/Math.Exp.
    /// </summary>
    public const double LogExpUlpBound = 1;

    [Property]
    public void PolyMapIsBitwiseTheElementMethod(KernelInput input)
    {
        double[] x = input.General(1), y = input.General(2);
        double[] expected = Reference(input.Length, i => Arithmetic.Poly(x[i], y[i]));
        foreach (KernelWidth width in Bits.Widths)
        {
            var actual = new double[input.Length];
            Arithmetic.PolyMap(actual, x, y, Bits.Context(width));
            AssertSame(expected, actual, width);
        }
    }

    [Property]
    public void SelectMapWithMasksIsBitwiseTheElementMethod(KernelInput input)
    {
        double[] x = input.General(3), y = input.General(4);
        double[] expected = Reference(input.Length, i => Arithmetic.Select(x[i], y[i]));
        foreach (KernelWidth width in Bits.Widths)
        {
            var actual = new double[input.Length];
            Arithmetic.SelectMap(actual, x, y, Bits.Context(width));
            AssertSame(expected, actual, width);
        }
    }

    [Property]
    public void InterpolateAndUpdateAreBitwiseTheElementMethods(KernelInput input)
    {
        double[] lo = input.General(5), nom = input.General(6), hi = input.General(7);
        double alpha = input.General(8) is { Length: > 0 } a ? a[0] : 0.5;
        double[] interpolated = Reference(input.Length, i => Poisson.Interp(lo[i], nom[i], hi[i], alpha));
        double[] scaled = Reference(input.Length, i => Poisson.Scale(nom[i], alpha));
        foreach (KernelWidth width in Bits.Widths)
        {
            var actual = new double[input.Length];
            Poisson.Interpolate(actual, lo, nom, hi, alpha, Bits.Context(width));
            AssertSame(interpolated, actual, width);

            double[] x = (double[])nom.Clone();
            Poisson.ScaleInPlace(x, alpha, Bits.Context(width));
            AssertSame(scaled, x, width);
        }
    }

    [Property]
    public void MultiOutputMapIsBitwiseTheElementMethod(KernelInput input)
    {
        double[] a = input.General(9), b = input.General(10);
        double[] sums = Reference(input.Length, i => Arithmetic.SumAndProduct(a[i], b[i]).Sum);
        double[] products = Reference(input.Length, i => Arithmetic.SumAndProduct(a[i], b[i]).Product);
        foreach (KernelWidth width in Bits.Widths)
        {
            var sum = new double[input.Length];
            var product = new double[input.Length];
            Arithmetic.SumAndProductMap(sum, product, a, b, Bits.Context(width));
            AssertSame(sums, sum, width);
            AssertSame(products, product, width);
        }
    }

    [Property]
    public void FloatMapIsBitwiseTheElementMethod(KernelInput input)
    {
        float[] a = input.Single(11), b = input.Single(12);
        var expected = new float[input.Length];
        for (int i = 0; i < expected.Length; i++)
        {
            expected[i] = Arithmetic.Hypot(a[i], b[i]);
        }

        foreach (KernelWidth width in Bits.Widths)
        {
            var actual = new float[input.Length];
            Arithmetic.HypotMap(actual, a, b, Bits.Context(width));
            int at = Bits.FirstDifference(actual, expected);
            Assert.True(at < 0, $"{width}: element {at} of {input.Length}: {(at < 0 ? 0 : actual[at])} != {(at < 0 ? 0 : expected[at])}");
        }
    }

    /// <summary>Math.Pow(x, n) becomes n − 1 multiplications: within (|n| − 1) roundings plus Math.Pow's own error.</summary>
    [Property]
    public void IntegerPowIsWithinItsRoundingBound(KernelInput input)
    {
        double[] x = input.Moderate(13);
        foreach (KernelWidth width in Bits.Widths)
        {
            var actual = new double[input.Length];
            Arithmetic.FifthMap(actual, x, Bits.Context(width));
            for (int i = 0; i < input.Length; i++)
            {
                AssertWithinUlps(Arithmetic.Fifth(x[i]), actual[i], 6, width, i, x[i]);
            }
        }
    }

    [Property]
    public void LogKernelsAgreeAcrossWidthsAndWithMathLog(KernelInput input)
    {
        double[] lambda = input.Positive(14), n = input.Moderate(15);
        var scalarLog = new double[input.Length];
        var scalarTerm = new double[input.Length];
        Transcendental.LogMap(scalarLog, lambda, Bits.Context(KernelWidth.Scalar));
        Transcendental.LogTermMap(scalarTerm, lambda, n, Bits.Context(KernelWidth.Scalar));
        for (int i = 0; i < input.Length; i++)
        {
            AssertWithinUlps(Math.Log(lambda[i]), scalarLog[i], LogExpUlpBound, KernelWidth.Scalar, i, lambda[i]);

            // λ − n·ln λ: the log's error, scaled by n, plus one rounding of the product and of the difference.
            double reference = Transcendental.LogTerm(lambda[i], n[i]);
            double tolerance = ((LogExpUlpBound + 1) * Bits.Ulp(n[i] * Math.Log(lambda[i]))) + Bits.Ulp(reference);
            Assert.True(
                Bits.Same(reference, scalarTerm[i]) || Math.Abs(reference - scalarTerm[i]) <= tolerance,
                $"LogTerm({lambda[i]:R}, {n[i]:R}) = {scalarTerm[i]:R}, Math.Log gives {reference:R}");
        }

        foreach (KernelWidth width in Bits.Widths)
        {
            var log = new double[input.Length];
            var term = new double[input.Length];
            Transcendental.LogMap(log, lambda, Bits.Context(width));
            Transcendental.LogTermMap(term, lambda, n, Bits.Context(width));
            AssertSame(scalarLog, log, width);
            AssertSame(scalarTerm, term, width);
        }
    }

    [Property]
    public void ExpKernelAgreesAcrossWidthsAndWithMathExp(KernelInput input)
    {
        double[] x = input.ExpArguments(16);
        var scalar = new double[input.Length];
        Transcendental.ExpMap(scalar, x, Bits.Context(KernelWidth.Scalar));
        for (int i = 0; i < input.Length; i++)
        {
            AssertWithinUlps(Math.Exp(x[i]), scalar[i], LogExpUlpBound, KernelWidth.Scalar, i, x[i]);
        }

        foreach (KernelWidth width in Bits.Widths)
        {
            var actual = new double[input.Length];
            Transcendental.ExpMap(actual, x, Bits.Context(width));
            AssertSame(scalar, actual, width);
        }
    }

    private static double[] Reference(int length, Func<int, double> element)
    {
        var values = new double[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = element(i);
        }

        return values;
    }

    private static void AssertSame(double[] expected, double[] actual, KernelWidth width)
    {
        int at = Bits.FirstDifference(actual, expected);
        Assert.True(at < 0, at < 0 ? string.Empty : $"{width}: element {at} of {expected.Length}: {actual[at]:R} != {expected[at]:R}");
    }

    private static void AssertWithinUlps(double expected, double actual, double ulps, KernelWidth width, int index, double input)
    {
        bool ok = Bits.Same(expected, actual)
            || (double.IsFinite(expected) && double.IsFinite(actual) && Math.Abs(expected - actual) <= ulps * Bits.Ulp(expected));
        Assert.True(ok, $"{width}: element {index} (input {input:R}): {actual:R}, reference {expected:R}, more than {ulps} ulp apart");
    }
}
