using FsCheck;
using FsCheck.Fluent;

namespace NextStat.Kernels.Tests;

/// <summary>
/// A random kernel input: a length (0…10,000, so every remainder of every width occurs) and a seed from which the
/// arrays are drawn, with a share of special values (zeros of both signs, subnormals, infinities, NaN, extremes).
/// FsCheck shrinks the length.
/// </summary>
public sealed record KernelInput(int Length, int Seed, double SpecialShare)
{
    private static readonly double[] s_specials =
    [
        0.0, -0.0, double.Epsilon, -double.Epsilon, 2.2250738585072009e-308, 1e-310, -1e-310,
        double.PositiveInfinity, double.NegativeInfinity, double.NaN, double.MaxValue, double.MinValue,
        1e300, -1e300, 1e-300, 1.0, -1.0, 0.5,
    ];

    public double[] General(int stream) => Draw(stream, r => (r.NextDouble() - 0.5) * Math.Pow(10, r.Next(-30, 31)));

    /// <summary>Positive values over many decades (the domain of ln), plus specials.</summary>
    public double[] Positive(int stream) => Draw(stream, r => r.NextDouble() * Math.Pow(10, r.Next(-300, 301)));

    /// <summary>Moderate values (Poisson rates and counts), plus specials.</summary>
    public double[] Moderate(int stream) => Draw(stream, r => r.NextDouble() * 1000.0);

    /// <summary>Arguments of exp from underflow to overflow, plus specials.</summary>
    public double[] ExpArguments(int stream) => Draw(stream, r => (r.NextDouble() * 1460.0) - 750.0);

    public float[] Single(int stream) => Array.ConvertAll(General(stream), d => (float)d);

    private double[] Draw(int stream, Func<Random, double> regular)
    {
        // A fixed mix (HashCode.Combine is randomised per process): a failing case replays from its printed seed.
        var random = new Random(unchecked((Seed * 1_000_003) + stream));
        var values = new double[Length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = random.NextDouble() < SpecialShare ? s_specials[random.Next(s_specials.Length)] : regular(random);
        }

        return values;
    }
}

public static class KernelArbitraries
{
    public static Arbitrary<KernelInput> KernelInput() =>
        Arb.ToArbitrary(
            from length in Gen.Choose(0, 10_000)
            from seed in Gen.Choose(int.MinValue, int.MaxValue)
            from special in Gen.Elements(0.0, 0.02, 0.3)
            select new KernelInput(length, seed, special),
            input => input.Length == 0 ? [] : [input with { Length = input.Length / 2 }, input with { Length = input.Length - 1 }]);
}

/// <summary>Comparisons for the property tests.</summary>
public static class Bits
{
    public static readonly KernelWidth[] Widths = [KernelWidth.Scalar, KernelWidth.Vector128, KernelWidth.Vector256, KernelWidth.Vector512];

    public static KernelContext Context(KernelWidth width, int threads = 1, bool compensated = false) =>
        new() { Width = width, MaxDegreeOfParallelism = threads, ParallelThreshold = threads == 1 ? int.MaxValue : 0, Compensated = compensated };

    /// <summary>Bitwise equality, except that every NaN equals every NaN (NaN payloads are not part of the contract).</summary>
    public static bool Same(double a, double b) =>
        double.IsNaN(a) ? double.IsNaN(b) : BitConverter.DoubleToInt64Bits(a) == BitConverter.DoubleToInt64Bits(b);

    public static bool Same(float a, float b) =>
        float.IsNaN(a) ? float.IsNaN(b) : BitConverter.SingleToInt32Bits(a) == BitConverter.SingleToInt32Bits(b);

    /// <summary>The first index where the arrays differ, or -1.</summary>
    public static int FirstDifference(ReadOnlySpan<double> actual, ReadOnlySpan<double> expected)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            if (!Same(actual[i], expected[i]))
            {
                return i;
            }
        }

        return -1;
    }

    public static int FirstDifference(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            if (!Same(actual[i], expected[i]))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The spacing of doubles at |x|.</summary>
    public static double Ulp(double x)
    {
        double a = Math.Abs(x);
        return double.IsFinite(a) ? Math.BitIncrement(a) - a : double.NaN;
    }
}
