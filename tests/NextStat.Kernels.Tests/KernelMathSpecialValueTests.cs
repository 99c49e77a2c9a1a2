using NextStat.Kernels;
using Xunit;

namespace NextStat.Kernels.Tests;

public class KernelMathSpecialValueTests
{
    [Theory]
    [InlineData(0.0, double.NegativeInfinity)]
    [InlineData(1.0, 0.0)]
    [InlineData(double.PositiveInfinity, double.PositiveInfinity)]
    public void LogOfSpecialValuesMatchesMath(double x, double expected)
    {
        Assert.Equal(expected, KernelMath.Log(x));
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(double.NegativeInfinity)]
    [InlineData(double.NaN)]
    public void LogOfNegativeOrNaNIsNaN(double x)
    {
        Assert.True(double.IsNaN(KernelMath.Log(x)));
    }
}
