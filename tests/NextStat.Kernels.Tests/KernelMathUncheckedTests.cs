using System.Runtime.Intrinsics;
using Xunit;

namespace NextStat.Kernels.Tests;

/// <summary>
/// The call-free ln/exp of generated sum loops: the same bits as the checked functions on every in-range lane, the
/// range mask cleared exactly on the lanes that need the special-value path, and sums over chunks with a special
/// value recomputed to the scalar reference's bits.
/// </summary>
public class KernelMathUncheckedTests
{
    private const double SmallestNormal = 2.2250738585072014E-308;

    public static TheoryData<KernelWidth> VectorWidths => [KernelWidth.Vector128, KernelWidth.Vector256, KernelWidth.Vector512];

    // Each width with the argument passed by value only and with its address (table offsets read from memory).
    public static TheoryData<KernelWidth, bool> VectorWidthsAndSources => new()
    {
        { KernelWidth.Vector128, false }, { KernelWidth.Vector256, false }, { KernelWidth.Vector512, false },
        { KernelWidth.Vector128, true }, { KernelWidth.Vector256, true }, { KernelWidth.Vector512, true },
    };

    [Theory]
    [MemberData(nameof(VectorWidthsAndSources))]
    public void LogUncheckedMatchesLogInRangeAndFlagsTheRest(KernelWidth width, bool fromMemory)
    {
        double[] edges = [.. ((ulong[])[0x0015DFFFFFFFFFFFUL, 0x0015E00000000000UL, 0x7FE5DFFFFFFFFFFFUL, 0x7FE5E00000000000UL]).Select(BitConverter.UInt64BitsToDouble)];
        double[] xs = [.. KernelMathSamples.LogArguments(seed: 41, 40_000), .. KernelMathSamples.Specials, .. edges];
        (double[] values, bool[] inRange) = Unchecked(width, xs, log: true, fromMemory);
        double[] expected = KernelMathSamples.Log(KernelWidth.Scalar, xs);
        for (int i = 0; i < xs.Length; i++)
        {
            // The flag is kept for normal arguments from 1.3672·2^-1022 to just under 1.3672·2^1023 and cleared for
            // everything else (the few normal arguments beyond are merely sent to the checked function).
            ulong bits = BitConverter.DoubleToUInt64Bits(xs[i]);
            bool shouldBeInRange = bits is >= 0x0015E00000000000UL and < 0x7FE5E00000000000UL;
            Assert.True(shouldBeInRange == inRange[i], $"x = {xs[i]:R}: range flag {inRange[i]}");
            if (xs[i] >= SmallestNormal && xs[i] <= double.MaxValue)
            {
                Assert.Equal(BitConverter.DoubleToInt64Bits(expected[i]), BitConverter.DoubleToInt64Bits(values[i]));
            }
        }
    }

    [Theory]
    [MemberData(nameof(VectorWidths))]
    public void ExpUncheckedMatchesExpInRangeAndFlagsTheRest(KernelWidth width)
    {
        double[] xs = [.. KernelMathSamples.ExpArguments(seed: 42, 40_000), .. KernelMathSamples.Specials];
        (double[] values, bool[] inRange) = Unchecked(width, xs, log: false, fromMemory: false);
        double[] expected = KernelMathSamples.Exp(KernelWidth.Scalar, xs);
        for (int i = 0; i < xs.Length; i++)
        {
            bool shouldBeInRange = Math.Abs(xs[i]) <= 708.0;
            Assert.True(shouldBeInRange == inRange[i], $"x = {xs[i]:R}: range flag {inRange[i]}");
            if (shouldBeInRange)
            {
                Assert.Equal(BitConverter.DoubleToInt64Bits(expected[i]), BitConverter.DoubleToInt64Bits(values[i]));
            }
        }
    }

    [Theory]
    [InlineData(5e-324)]
    [InlineData(1e-310)]
    [InlineData(2.2250738585072009e-308)]
    public void ASubnormalRateAnywhereGivesTheScalarSumBits(double special)
    {
        // Three full chunks and a remainder; the subnormal lands in the first, a middle and the last full chunk,
        // in the block loop and in the remainder, so both the recompute and the tail paths run.
        const int length = (3 * KernelReduction.ChunkSize) + 21;
        foreach (int position in (int[])[0, 4095, 4096 + 1234, (2 * KernelReduction.ChunkSize) + 4094, length - 3])
        {
            (double[] lambda, double[] n) = PoissonRates(length, seed: position);
            lambda[position] = special;
            foreach (bool compensated in (bool[])[false, true])
            {
                double reference = Poisson.NllSum(lambda, n, new KernelContext { Width = KernelWidth.Scalar, Compensated = compensated });
                Assert.True(double.IsFinite(reference));
                foreach (KernelWidth width in (KernelWidth[])[KernelWidth.Vector128, KernelWidth.Vector256, KernelWidth.Vector512])
                {
                    double sum = Poisson.NllSum(lambda, n, new KernelContext { Width = width, Compensated = compensated, MaxDegreeOfParallelism = 3, ParallelThreshold = 0 });
                    Assert.True(
                        BitConverter.DoubleToInt64Bits(reference) == BitConverter.DoubleToInt64Bits(sum),
                        $"position {position}, {width}, compensated {compensated}: {sum:R} vs scalar {reference:R}");
                }
            }
        }
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(-1.0)]
    [InlineData(double.NegativeInfinity)]
    public void AnInvalidRateGivesNaNOnEveryWidth(double special)
    {
        (double[] lambda, double[] n) = PoissonRates(5000, seed: 7);
        lambda[4100] = special;
        foreach (KernelWidth width in (KernelWidth[])[KernelWidth.Scalar, KernelWidth.Vector128, KernelWidth.Vector256, KernelWidth.Vector512])
        {
            Assert.True(double.IsNaN(Poisson.NllSum(lambda, n, new KernelContext { Width = width })), $"{width}");
        }
    }

    private static (double[] Lambda, double[] N) PoissonRates(int length, int seed)
    {
        var random = new Random(seed);
        var lambda = new double[length];
        var n = new double[length];
        for (int i = 0; i < length; i++)
        {
            lambda[i] = 0.5 + (random.NextDouble() * 200.0);
            n[i] = random.Next(0, 250);
        }

        return (lambda, n);
    }

    // Runs the unchecked function over xs at a forced width, one range mask per vector (fresh each time, so each
    // lane's flag is its own); with fromMemory, ln also gets the address the vector was loaded from.
    private static unsafe (double[] Values, bool[] InRange) Unchecked(KernelWidth width, double[] xs, bool log, bool fromMemory)
    {
        int lanes = width switch { KernelWidth.Vector128 => 2, KernelWidth.Vector256 => 4, _ => 8 };
        int padded = (xs.Length + lanes - 1) / lanes * lanes;
        double[] input = new double[padded];
        xs.CopyTo(input, 0);
        Array.Fill(input, 1.0, xs.Length, padded - xs.Length);
        double[] values = new double[padded];
        double[] flags = new double[padded];
        for (int i = 0; i < padded; i += lanes)
        {
            switch (width)
            {
                case KernelWidth.Vector128:
                {
                    var mask = Vector128<double>.AllBitsSet;
                    var x = Vector128.Create(input.AsSpan(i, lanes));
                    fixed (double* source = &input[i])
                    {
                        (log ? (fromMemory ? KernelMath.LogUnchecked(x, source, ref mask) : KernelMath.LogUnchecked(x, ref mask)) : KernelMath.ExpUnchecked(x, ref mask)).CopyTo(values, i);
                    }
                    mask.CopyTo(flags, i);
                    break;
                }

                case KernelWidth.Vector256:
                {
                    var mask = Vector256<double>.AllBitsSet;
                    var x = Vector256.Create(input.AsSpan(i, lanes));
                    fixed (double* source = &input[i])
                    {
                        (log ? (fromMemory ? KernelMath.LogUnchecked(x, source, ref mask) : KernelMath.LogUnchecked(x, ref mask)) : KernelMath.ExpUnchecked(x, ref mask)).CopyTo(values, i);
                    }
                    mask.CopyTo(flags, i);
                    break;
                }

                default:
                {
                    var mask = Vector512<double>.AllBitsSet;
                    var x = Vector512.Create(input.AsSpan(i, lanes));
                    fixed (double* source = &input[i])
                    {
                        (log ? (fromMemory ? KernelMath.LogUnchecked(x, source, ref mask) : KernelMath.LogUnchecked(x, ref mask)) : KernelMath.ExpUnchecked(x, ref mask)).CopyTo(values, i);
                    }
                    mask.CopyTo(flags, i);
                    break;
                }
            }
        }

        bool[] inRange = new bool[xs.Length];
        for (int i = 0; i < xs.Length; i++)
        {
            // A comparison mask lane is all ones or all zeros.
            inRange[i] = BitConverter.DoubleToInt64Bits(flags[i]) == -1L;
        }

        return (values[..xs.Length], inRange);
    }
}
