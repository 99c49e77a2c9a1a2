using System.Runtime.Intrinsics;

namespace NextStat.Kernels.Tests;

/// <summary>Deterministic inputs for the KernelMath tests and a way to run either function at a forced width.</summary>
internal static class KernelMathSamples
{
    public static readonly double[] Specials =
    [
        0.0, -0.0, double.Epsilon, -double.Epsilon, 2.2250738585072009e-308, 2.2250738585072014e-308, 1e-310,
        double.PositiveInfinity, double.NegativeInfinity, double.NaN, -double.NaN, double.MaxValue, double.MinValue,
        1.0, -1.0, 0.5, 2.0, 1e-300, 1e300, 708.0, -708.0, 708.0000000000001, -708.0000000000001, 709.782712893384,
        709.7827128933841, 710.0, -745.1332191019411, -745.1332191019412, -745.14, -746.0, -1000.0, 1000.0,
        -708.3964185322641, -708.39641853226418, 1e-20, -1e-20, 5e-324, 1.0000000000000002, 0.99999999999999989,
    ];

    /// <summary>Positive doubles: every binade of the normal range (random mantissa), near 1, subnormals, Poisson rates.</summary>
    public static double[] LogArguments(int seed, int count)
    {
        var random = new Random(seed);
        var values = new double[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (i % 8) switch
            {
                0 or 1 or 2 => FromBits(random.NextInt64(1, 2047) << 52 | Fraction(random)),
                3 or 4 => 1.0 + Signed(random) * Math.Pow(2, -random.Next(1, 54)) * random.NextDouble(),
                5 => FromBits(Fraction(random) | 1),
                _ => random.NextDouble() * 1000.0,
            };
        }

        return values;
    }

    /// <summary>
    /// Arguments 1 ± 2^-u with u uniform in [6, 10] (|ln x| from 2^-10 to 2^-6, around the sub-interval centred on 1),
    /// and every fourth of them scaled by a power of two from 2^-3 to 2^3 (same mantissas, k ≠ 0).
    /// </summary>
    public static double[] LogArgumentsNextToOne(int seed, int count)
    {
        var random = new Random(seed);
        var values = new double[count];
        for (int i = 0; i < count; i++)
        {
            double x = 1.0 + (Signed(random) * Math.Pow(2, -6 - (4 * random.NextDouble())));
            values[i] = i % 4 == 3 ? Math.ScaleB(x, random.Next(-3, 4)) : x;
        }

        return values;
    }

    /// <summary>Exponents from below underflow to above overflow, the subnormal-result range, near 0, moderate values.</summary>
    public static double[] ExpArguments(int seed, int count)
    {
        var random = new Random(seed);
        var values = new double[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (i % 8) switch
            {
                0 or 1 or 2 => -746.0 + (random.NextDouble() * 1456.0),
                3 => -745.2 + (random.NextDouble() * 37.0),
                4 => 700.0 + (random.NextDouble() * 10.0),
                5 => Signed(random) * Math.Pow(2, -random.Next(1, 60)) * random.NextDouble(),
                _ => Signed(random) * random.NextDouble() * 20.0,
            };
        }

        return values;
    }

    public static double[] Apply(Func<double, double> scalar, Func<Vector128<double>, Vector128<double>> v128,
        Func<Vector256<double>, Vector256<double>> v256, Func<Vector512<double>, Vector512<double>> v512,
        KernelWidth width, double[] xs)
    {
        var ys = new double[xs.Length];
        int lanes = width switch
        {
            KernelWidth.Vector128 => 2,
            KernelWidth.Vector256 => 4,
            KernelWidth.Vector512 => 8,
            _ => 1,
        };
        var padded = new double[8];
        for (int i = 0; i < xs.Length; i += lanes)
        {
            int n = Math.Min(lanes, xs.Length - i);
            Array.Fill(padded, 1.0);
            Array.Copy(xs, i, padded, 0, n);
            var output = new double[8];
            switch (width)
            {
                case KernelWidth.Vector128:
                    v128(Vector128.Create(padded.AsSpan(0, 2))).CopyTo(output);
                    break;
                case KernelWidth.Vector256:
                    v256(Vector256.Create(padded.AsSpan(0, 4))).CopyTo(output);
                    break;
                case KernelWidth.Vector512:
                    v512(Vector512.Create(padded.AsSpan(0, 8))).CopyTo(output);
                    break;
                default:
                    output[0] = scalar(padded[0]);
                    break;
            }

            Array.Copy(output, 0, ys, i, n);
        }

        return ys;
    }

    public static double[] Log(KernelWidth width, double[] xs) =>
        Apply(KernelMath.Log, KernelMath.Log, KernelMath.Log, KernelMath.Log, width, xs);

    public static double[] Exp(KernelWidth width, double[] xs) =>
        Apply(KernelMath.Exp, KernelMath.Exp, KernelMath.Exp, KernelMath.Exp, width, xs);

    /// <summary>Distance in representable doubles (0 for equal, 1 for neighbours, across zero too).</summary>
    public static long UlpDistance(double a, double b)
    {
        if (a == b || (double.IsNaN(a) && double.IsNaN(b)))
        {
            return 0;
        }

        if (double.IsNaN(a) || double.IsNaN(b) || double.IsInfinity(a) || double.IsInfinity(b))
        {
            return long.MaxValue;
        }

        return Math.Abs(Ordered(a) - Ordered(b));
    }

    private static long Ordered(double d)
    {
        long bits = BitConverter.DoubleToInt64Bits(d);
        return bits < 0 ? long.MinValue - bits : bits;
    }

    private static long Fraction(Random random) => random.NextInt64(0, 1L << 52);

    private static double Signed(Random random) => random.Next(2) == 0 ? -1.0 : 1.0;

    private static double FromBits(long bits) => BitConverter.Int64BitsToDouble(bits);
}
