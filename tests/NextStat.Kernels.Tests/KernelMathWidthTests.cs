using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace NextStat.Kernels.Tests;

/// <summary>Every vector width gives the scalar overload's bits on every lane, for any mix of inputs.</summary>
public class KernelMathWidthTests
{
    public static TheoryData<KernelWidth> VectorWidths => [KernelWidth.Vector128, KernelWidth.Vector256, KernelWidth.Vector512];

    [Theory]
    [MemberData(nameof(VectorWidths))]
    public void LogGivesTheScalarBitsOnLargeSamples(KernelWidth width)
    {
        double[] xs = [.. KernelMathSamples.LogArguments(seed: 31, 200_000), .. KernelMathSamples.Specials];
        AssertSameBits(xs, KernelMathSamples.Log(KernelWidth.Scalar, xs), KernelMathSamples.Log(width, xs));
    }

    [Theory]
    [MemberData(nameof(VectorWidths))]
    public void ExpGivesTheScalarBitsOnLargeSamples(KernelWidth width)
    {
        double[] xs = [.. KernelMathSamples.ExpArguments(seed: 32, 200_000), .. KernelMathSamples.Specials];
        AssertSameBits(xs, KernelMathSamples.Exp(KernelWidth.Scalar, xs), KernelMathSamples.Exp(width, xs));
    }

    [Fact]
    public void The512BitSequenceGivesTheScalarBitsWhereVector512IsSplit()
    {
        // On a CPU without AVX-512 the public Vector512 overloads run two 256-bit halves; the 512-bit code itself
        // is checked here so it is covered on every machine.
        double[] logs = [.. KernelMathSamples.LogArguments(seed: 33, 40_000), .. KernelMathSamples.Specials];
        AssertSameBits(logs, KernelMathSamples.Log(KernelWidth.Scalar, logs),
            KernelMathSamples.Apply(KernelMath.Log, KernelMath.Log, KernelMath.Log, KernelMath.LogVector512Sequence, KernelWidth.Vector512, logs));
        double[] exps = [.. KernelMathSamples.ExpArguments(seed: 34, 40_000), .. KernelMathSamples.Specials];
        AssertSameBits(exps, KernelMathSamples.Exp(KernelWidth.Scalar, exps),
            KernelMathSamples.Apply(KernelMath.Exp, KernelMath.Exp, KernelMath.Exp, KernelMath.ExpVector512Sequence, KernelWidth.Vector512, exps));
    }

    [Property(Arbitrary = [typeof(LaneArbitraries)], MaxTest = 500)]
    public void EveryWidthAgreesOnMixedLanes(double[] lanes)
    {
        foreach (KernelWidth width in (KernelWidth[])[KernelWidth.Vector128, KernelWidth.Vector256, KernelWidth.Vector512])
        {
            AssertSameBits(lanes, KernelMathSamples.Log(KernelWidth.Scalar, lanes), KernelMathSamples.Log(width, lanes));
            AssertSameBits(lanes, KernelMathSamples.Exp(KernelWidth.Scalar, lanes), KernelMathSamples.Exp(width, lanes));
        }
    }

    private static void AssertSameBits(double[] xs, double[] expected, double[] actual)
    {
        for (int i = 0; i < xs.Length; i++)
        {
            long e = BitConverter.DoubleToInt64Bits(expected[i]);
            long a = BitConverter.DoubleToInt64Bits(actual[i]);
            Assert.True(e == a, $"x = {xs[i]:R} (bits {BitConverter.DoubleToInt64Bits(xs[i]):X16}): scalar {expected[i]:R}, vector {actual[i]:R}");
        }
    }
}

/// <summary>
/// Eight lanes (one Vector512) drawn from a mix: arbitrary bit patterns (so NaN payloads, subnormals and both signs),
/// the special values, values near 1 and exp arguments around the overflow and underflow limits.
/// </summary>
public static class LaneArbitraries
{
    public static Arbitrary<double[]> Lanes()
    {
        Gen<double> anyBits = Gen.Choose(int.MinValue, int.MaxValue).Two()
            .Select(t => BitConverter.Int64BitsToDouble(((long)t.Item1 << 32) | (uint)t.Item2));
        Gen<double> special = Gen.Elements(KernelMathSamples.Specials);
        Gen<double> nearOne = Gen.Choose(-1_000_000, 1_000_000).Select(i => 1.0 + (i * 1e-9));
        Gen<double> expRange = Gen.Choose(-7_460_000, 7_110_000).Select(i => i / 10_000.0);
        Gen<double> lane = Gen.Frequency((3, anyBits), (2, special), (2, nearOne), (3, expRange));
        return lane.ArrayOf(8).ToArbitrary();
    }
}
