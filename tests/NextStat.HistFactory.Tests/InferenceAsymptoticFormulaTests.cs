using System.Text.Json;
using NextStat.HistFactory.Inference;
using Xunit;

namespace NextStat.HistFactory.Tests;

public class InferenceAsymptoticFormulaTests
{
    public static TheoryData<string> RecordsWithHypotest()
    {
        var data = new TheoryData<string>();
        foreach (string name in InferenceFixtures.RecordNames())
        {
            if (InferenceFixtures.Record(name).Has("hypotest"))
            {
                data.Add(name);
            }
        }

        return data;
    }

    /// <summary>
    /// From pyhf's own test statistics (q̃_μ observed and √q̃_μ,A), the formulas give pyhf's CLs, CLs+b, CLb and
    /// expected band: this isolates the asymptotic formulas from the fits.
    /// </summary>
    [Theory]
    [MemberData(nameof(RecordsWithHypotest))]
    public void FormulasReproducePyhfFromItsTestStatistics(string name)
    {
        JsonElement hypotest = InferenceFixtures.Record(name).GetProperty("hypotest");
        double sqrtQA = hypotest.GetProperty("sqrtqmuA").ToDouble();
        double q = hypotest.GetProperty("qtilde_obs").ToDouble();
        AsymptoticCls cls = AsymptoticFormulas.QMuTildeCls(hypotest.GetProperty("mu").ToDouble(), q, sqrtQA * sqrtQA);
        AssertClose(hypotest.GetProperty("CLs_obs").ToDouble(), cls.Cls);
        AssertClose(hypotest.GetProperty("CLsb_obs").ToDouble(), cls.Clsb);
        AssertClose(hypotest.GetProperty("CLb_obs").ToDouble(), cls.Clb);
        double[] expected = hypotest.GetProperty("CLs_exp").Doubles();
        Assert.Equal(hypotest.GetProperty("CLs_exp_sigmas").Doubles().Select(s => -s), AsymptoticFormulas.ExpectedSigmas.Select(s => (double)s));
        for (int k = 0; k < expected.Length; k++)
        {
            AssertClose(expected[k], cls.ExpectedCls[k]);
        }
    }

    private static void AssertClose(double expected, double actual)
    {
        // pyhf rounds √q_A to a double and squares it back here, so allow 1e-9 relative (and absolute near 0).
        Assert.True(Math.Abs(expected - actual) <= 1e-9 * Math.Max(Math.Abs(expected), 1e-300) + 1e-15, $"expected {expected:R}, got {actual:R}");
    }

    [Theory]
    [InlineData(0.0, 0.5)]
    [InlineData(0.5, 0.3085375387259869)]
    [InlineData(1.0, 0.15865525393145707)]
    [InlineData(1.5, 0.06680720126885809)]
    [InlineData(2.0, 0.02275013194817922)]
    [InlineData(2.9, 0.0018658133003840384)]
    [InlineData(3.0, 0.0013498980316300957)]
    [InlineData(3.1, 0.0009676032132183562)]
    [InlineData(5.0, 2.8665157187919391e-07)]
    [InlineData(10.0, 7.6198530241605261e-24)]
    [InlineData(20.0, 2.7536241186062337e-89)]
    [InlineData(30.0, 4.9067139271481871e-198)]
    [InlineData(37.0, 5.7255712225245768e-300)]
    public void NormalUpperTailIsAccurateInRelativeTerms(double z, double expected)
    {
        // References: Φ(−z) to 40 digits (arbitrary-precision arithmetic), rounded to 17.
        double actual = NormalDistribution.UpperTail(z);
        Assert.True(Math.Abs(actual - expected) <= 1e-14 * expected, $"Φ(−{z}) = {actual:R}, expected {expected:R}");
        Assert.Equal(1.0 - expected, NormalDistribution.Cdf(z), 1e-15);
    }

    [Fact]
    public void ErfcCoversBothSignsAndTheFarTail()
    {
        Assert.Equal(0.6713732405408726, NormalDistribution.Erfc(0.3), 1e-15);
        Assert.Equal(1.9103139782296354, NormalDistribution.Erfc(-1.2), 1e-15);
        Assert.Equal(0.0004069520174449589, NormalDistribution.Erfc(2.5), 1e-18);
        Assert.Equal(0.15729920705028513, NormalDistribution.Erfc(1.0), 5e-16);
        Assert.Equal(0.8875370839817152, NormalDistribution.Erfc(0.1), 1e-16);
        Assert.True(Math.Abs(NormalDistribution.Erfc(26) - 5.663192408856143e-296) < 1e-14 * 5.663192408856143e-296);
        Assert.Equal(0.0, NormalDistribution.Erfc(40));
        Assert.Equal(2.0, NormalDistribution.Erfc(-40));
        Assert.True(double.IsNaN(NormalDistribution.Erfc(double.NaN)));
    }

    [Fact]
    public void TestStatisticsFollowTheirDefinitions()
    {
        Assert.Equal(0.0, AsymptoticFormulas.QMuTilde(1.0, 1.2, 10.0, 9.0));
        Assert.Equal(1.0, AsymptoticFormulas.QMuTilde(1.0, 0.3, 10.0, 9.0));
        Assert.Equal(0.0, AsymptoticFormulas.QMuTilde(1.0, 0.3, 9.0, 9.0 + 1e-12));
        Assert.Equal(0.0, AsymptoticFormulas.Q0(-0.1, 12.0, 9.0));
        Assert.Equal(3.0, AsymptoticFormulas.Q0(0.4, 12.0, 9.0));
        (double z, double p) = AsymptoticFormulas.Discovery(9.0);
        Assert.Equal(3.0, z);
        Assert.Equal(0.0013498980316300957, p, 1e-17);
        Assert.Throws<ArgumentOutOfRangeException>(() => AsymptoticFormulas.QMuTildeCls(1, double.NaN, 1));
    }

    [Fact]
    public void BrentFindsRootsToTheTolerance()
    {
        Assert.Equal(Math.Sqrt(2), RootFinding.Brent(x => (x * x) - 2, 0, 2, 1e-14), 1e-13);
        Assert.Equal(Math.PI, RootFinding.Brent(Math.Sin, 3, 4, 1e-14), 1e-13);
        // A root at an end point and a step function (bisection fallback).
        Assert.Equal(1.0, RootFinding.Brent(x => x - 1, 1, 3));
        Assert.Equal(0.25, RootFinding.Brent(x => x < 0.25 ? -1 : 1, 0, 1, 1e-12), 1e-11);
        Assert.Throws<ArgumentException>(() => RootFinding.Brent(x => (x * x) + 1, -1, 1));
    }
}
