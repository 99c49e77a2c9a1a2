using Xunit;

namespace NextStat.Kernels.Tests;

/// <summary>Special arguments give what <see cref="Math"/> gives, at every width.</summary>
public class KernelMathSpecialValueTests
{
    public static TheoryData<KernelWidth> Widths => [KernelWidth.Scalar, KernelWidth.Vector128, KernelWidth.Vector256, KernelWidth.Vector512];

    [Theory]
    [MemberData(nameof(Widths))]
    public void LogOfSpecialValues(KernelWidth width)
    {
        double[] xs = [0.0, -0.0, 1.0, double.PositiveInfinity, -1.0, double.NegativeInfinity, double.NaN, -double.Epsilon, double.Epsilon, 1e-310, double.MaxValue];
        double[] ys = KernelMathSamples.Log(width, xs);
        Assert.Equal(double.NegativeInfinity, ys[0]);
        Assert.Equal(double.NegativeInfinity, ys[1]);
        Assert.Equal(0.0, ys[2]);
        Assert.Equal(double.PositiveInfinity, ys[3]);
        Assert.True(double.IsNaN(ys[4]) && double.IsNaN(ys[5]) && double.IsNaN(ys[6]) && double.IsNaN(ys[7]));

        // ln(2^-1074) = -1074·ln 2, and the other two agree with Math.Log to the last bit.
        Assert.Equal(-744.4400719213812, ys[8]);
        Assert.Equal(Math.Log(1e-310), ys[9]);
        Assert.Equal(Math.Log(double.MaxValue), ys[10]);
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void ExpOfSpecialValues(KernelWidth width)
    {
        double[] xs = [0.0, -0.0, double.PositiveInfinity, double.NegativeInfinity, double.NaN, 709.79, 1000.0, -746.0, -1e4, -745.1332191019411, -740.0, 709.78, 1e-300];
        double[] ys = KernelMathSamples.Exp(width, xs);
        Assert.Equal(1.0, ys[0]);
        Assert.Equal(1.0, ys[1]);
        Assert.Equal(double.PositiveInfinity, ys[2]);
        Assert.Equal(0.0, ys[3]);
        Assert.True(double.IsNaN(ys[4]));
        Assert.Equal(double.PositiveInfinity, ys[5]);
        Assert.Equal(double.PositiveInfinity, ys[6]);
        Assert.Equal(0.0, ys[7]);
        Assert.Equal(0.0, ys[8]);

        // Gradual underflow: the smallest subnormal, then a subnormal with few bits, exactly as Math.Exp rounds them.
        Assert.Equal(double.Epsilon, ys[9]);
        Assert.Equal(Math.Exp(-740.0), ys[10]);
        Assert.True(double.IsFinite(ys[11]) && ys[11] > 1.79e308);
        Assert.Equal(1.0, ys[12]);
    }

    [Fact]
    public void LogAndExpAreExactWhereTheResultIsRepresentable()
    {
        Assert.Equal(0.0, KernelMath.Log(1.0));
        Assert.Equal(1.0, KernelMath.Exp(0.0));
        for (int k = -1074; k <= 1023; k++)
        {
            // ln(2^k) = k·ln 2 rounded once: the k·ln 2 split must not add an error.
            double expected = Math.Log(Math.ScaleB(1.0, k));
            Assert.True(KernelMathSamples.UlpDistance(expected, KernelMath.Log(Math.ScaleB(1.0, k))) <= 1, $"k = {k}");
        }
    }
}
