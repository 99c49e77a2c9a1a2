namespace NextStat.HistFactory.Numerics;

/// <summary>
/// ln Γ(x) for x &gt; 0, used for the parameter-independent <c>ln Γ(n + 1)</c> terms of Poisson likelihoods with
/// non-integer counts. Arguments below 16 are shifted up with the recurrence Γ(x) = Γ(x + k) / (x (x + 1) … (x + k − 1))
/// and the Stirling series with seven correction terms is used from 16 on; its truncation error there is below
/// 1e-20, so the result is within a few ulp of the exact value (tested against exact factorials and the recurrence).
/// </summary>
public static class LogGamma
{
    private const double HalfLogTwoPi = 0.91893853320467274178032973640562;
    private const double Shift = 16.0;

    /// <summary>ln Γ(<paramref name="x"/>); NaN for x ≤ 0 or NaN, +∞ for +∞.</summary>
    public static double Of(double x)
    {
        if (!(x > 0))
        {
            return double.NaN;
        }

        if (double.IsPositiveInfinity(x))
        {
            return x;
        }

        if (x == 1.0 || x == 2.0)
        {
            return 0.0;
        }

        double product = 1.0;
        while (x < Shift)
        {
            product *= x;
            x += 1.0;
        }

        return Stirling(x) - Math.Log(product);
    }

    /// <summary>ln Γ(x) for x ≥ 16 from the Stirling series (Bernoulli-number corrections up to x^-13).</summary>
    private static double Stirling(double x)
    {
        double inv = 1.0 / x;
        double inv2 = inv * inv;
        double series = inv * (1.0 / 12 + inv2 * (-1.0 / 360 + inv2 * (1.0 / 1260 + inv2 * (-1.0 / 1680
            + inv2 * (1.0 / 1188 + inv2 * (-691.0 / 360360 + inv2 * (1.0 / 156)))))));
        return (x - 0.5) * Math.Log(x) - x + HalfLogTwoPi + series;
    }
}
