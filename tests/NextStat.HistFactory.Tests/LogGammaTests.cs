using FsCheck;
using FsCheck.Xunit;
using NextStat.HistFactory.Numerics;
using Xunit;

namespace NextStat.HistFactory.Tests;

/// <summary>Accuracy of <see cref="LogGamma"/>: reference values (Python's math.lgamma) and the recurrence.</summary>
public sealed class LogGammaTests
{
    [Theory]
    [InlineData(0.001, 6.907178885383854)]
    [InlineData(0.5, 0.57236494292470008707)] // ln √π
    [InlineData(1.5, -0.12078223763524543)]
    [InlineData(2.5, 0.2846828704729196)]
    [InlineData(3.0, 0.69314718055994530942)] // ln 2
    [InlineData(7.3, 7.147892523022248)]
    [InlineData(11.0, 15.104412573075514)] // ln 10!
    [InlineData(15.999, 27.89653040276015)]
    [InlineData(16.0, 27.89927138384089)]
    [InlineData(16.5, 29.27775451504082)]
    [InlineData(100.25, 360.2845596377643)]
    [InlineData(101.0, 363.73937555556347)] // ln 100!
    [InlineData(278.77777777777777, 1288.9608252276332)]
    [InlineData(1234.5, 7550.550901077896)]
    [InlineData(100000.5, 1051293.4654351394)]
    [InlineData(1e10, 220258509288.81058)]
    public void MatchesReferenceValues(double x, double expected)
    {
        double actual = LogGamma.Of(x);
        Assert.True(Math.Abs(actual - expected) <= 2e-15 * Math.Max(1.0, Math.Abs(expected)) + 1e-14,
            $"lnΓ({x:R}) = {actual:R}, expected {expected:R} (diff {actual - expected:E2})");
    }

    [Fact]
    public void IntegersOneAndTwoAreExactlyZeroAndSpecialValuesFollowTheDefinition()
    {
        Assert.Equal(0.0, LogGamma.Of(1.0));
        Assert.Equal(0.0, LogGamma.Of(2.0));
        Assert.True(double.IsNaN(LogGamma.Of(0.0)));
        Assert.True(double.IsNaN(LogGamma.Of(-1.5)));
        Assert.True(double.IsNaN(LogGamma.Of(double.NaN)));
        Assert.Equal(double.PositiveInfinity, LogGamma.Of(double.PositiveInfinity));
    }

    [Property(MaxTest = 1000)]
    public bool SatisfiesTheRecurrence(PositiveInt numerator)
    {
        // x ranges over (0, 2.2e6]: lnΓ(x + 1) − lnΓ(x) = ln x, checked to the rounding of the larger value.
        double x = numerator.Get / 997.0;
        double difference = LogGamma.Of(x + 1.0) - LogGamma.Of(x);
        double scale = Math.Max(1.0, Math.Abs(LogGamma.Of(x + 1.0)));
        return Math.Abs(difference - Math.Log(x)) <= 1e-14 * scale;
    }
}
