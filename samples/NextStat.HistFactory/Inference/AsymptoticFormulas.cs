namespace NextStat.HistFactory.Inference;

/// <summary>
/// Asymptotic (Cowan, Cranmer, Gross, Vitells, Eur. Phys. J. C 71 (2011) 1554) p-values and CLs for the q̃_μ and q₀
/// test statistics, computed as pyhf's asymptotic calculator does, from the test statistic on the observed data and
/// on the Asimov data set.
/// </summary>
public static class AsymptoticFormulas
{
    /// <summary>The expected-band points in σ of the background-only distribution, in pyhf's order (−2σ … +2σ of CLs).</summary>
    public static IReadOnlyList<int> ExpectedSigmas { get; } = [2, 1, 0, -1, -2];

    /// <summary>
    /// The clipped log-likelihood ratio t = twice_nll(μ fixed) − twice_nll(free), never negative (a conditional fit
    /// cannot be better than the free one; a small negative difference is fit noise).
    /// </summary>
    public static double ProfileLikelihoodRatio(double twiceNllConditional, double twiceNllFree) =>
        Math.Max(twiceNllConditional - twiceNllFree, 0.0);

    /// <summary>q̃_μ: zero when the fitted POI exceeds the tested μ (an upward fluctuation is not evidence against μ).</summary>
    public static double QMuTilde(double mu, double muHat, double twiceNllConditional, double twiceNllFree) =>
        muHat > mu ? 0.0 : ProfileLikelihoodRatio(twiceNllConditional, twiceNllFree);

    /// <summary>q₀: zero when the fitted POI is below 0 (a deficit is not evidence for a signal).</summary>
    public static double Q0(double muHat, double twiceNllAtZero, double twiceNllFree) =>
        muHat < 0 ? 0.0 : ProfileLikelihoodRatio(twiceNllAtZero, twiceNllFree);

    /// <summary>
    /// CLs, CLs+b and CLb of q̃_μ from its observed value and its value on the background-only Asimov data set, and
    /// the expected CLs band at <see cref="ExpectedSigmas"/>.
    /// </summary>
    public static AsymptoticCls QMuTildeCls(double mu, double qMuTilde, double qMuTildeAsimov)
    {
        if (!(qMuTilde >= 0) || !(qMuTildeAsimov >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(qMuTilde), $"test statistics must be non-negative numbers (q̃_μ = {qMuTilde}, q̃_μ,A = {qMuTildeAsimov})");
        }

        double sqrtQ = Math.Sqrt(qMuTilde);
        double sqrtQA = Math.Sqrt(qMuTildeAsimov);

        // The test statistic in the "√q − √q_A" form whose s+b distribution is N(−√q_A, 1) and b distribution
        // N(0, 1); above √q_A the q̃ distribution changes form (Cowan et al., eq. 65).
        double statistic = sqrtQ <= sqrtQA || sqrtQA == 0
            ? sqrtQ - sqrtQA
            : (qMuTilde - qMuTildeAsimov) / (2.0 * sqrtQA);
        (double clsb, double clb, double cls) = PValues(statistic, sqrtQA);

        double[] expected = new double[ExpectedSigmas.Count];
        for (int k = 0; k < expected.Length; k++)
        {
            // The background-only median shifted by nσ, without a cut-off at −√q_A, as pyhf 0.7 computes the band.
            expected[k] = PValues(ExpectedSigmas[k], sqrtQA).Cls;
        }

        return new AsymptoticCls(mu, cls, clsb, clb, expected, sqrtQA, qMuTilde);
    }

    /// <summary>Discovery: Z₀ = √q₀ and p₀ = Φ(−Z₀).</summary>
    public static (double Z0, double P0) Discovery(double q0)
    {
        double z = Math.Sqrt(Math.Max(q0, 0.0));
        return (z, NormalDistribution.UpperTail(z));
    }

    private static (double Clsb, double Clb, double Cls) PValues(double statistic, double sqrtQA)
    {
        double clsb = NormalDistribution.UpperTail(statistic + sqrtQA);
        double clb = NormalDistribution.UpperTail(statistic);
        return (clsb, clb, clb > 0 ? clsb / clb : double.NaN);
    }
}

/// <summary>Asymptotic CLs at one tested POI value.</summary>
/// <param name="Mu">The tested POI value.</param>
/// <param name="Cls">Observed CLs = CLs+b / CLb.</param>
/// <param name="Clsb">Observed CLs+b.</param>
/// <param name="Clb">Observed CLb.</param>
/// <param name="ExpectedCls">Expected CLs at −2σ, −1σ, median, +1σ, +2σ (pyhf's order, see <see cref="AsymptoticFormulas.ExpectedSigmas"/>).</param>
/// <param name="SqrtQMuAsimov">√q̃_μ on the Asimov data set.</param>
/// <param name="QMuTilde">q̃_μ on the observed data.</param>
public sealed record AsymptoticCls(double Mu, double Cls, double Clsb, double Clb, double[] ExpectedCls, double SqrtQMuAsimov, double QMuTilde);
