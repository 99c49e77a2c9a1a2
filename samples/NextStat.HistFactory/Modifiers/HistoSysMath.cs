namespace NextStat.HistFactory.Modifiers;

/// <summary>
/// histosys interpolation per parameter: every code is, for one α, a linear combination c_p·P + c_q·Q of two
/// precomputed values per (sample, bin) cell, with c_p, c_q (and their α-derivatives) computed once per parameter.
/// So a cell stores two numbers, a shift is two multiply-adds, and a parameter's gradient is two projections.
/// Cells: code4p P = S = (up + down)/2, Q = A = (up − down)/16; code0 P = up, Q = down; code2 P = a, Q = b; with
/// up = hi − nom and down = nom − lo, a = (hi + lo)/2 − nom, b = (hi − lo)/2, as pyhf defines them.
/// </summary>
internal static class HistoSysMath
{
    /// <summary>
    /// c_p, c_q of every row into <paramref name="cp"/> and <paramref name="cq"/>, α of row r being pars[rowParam[r]];
    /// one loop per code, as the code is the same for all rows.
    /// </summary>
    internal static void RowCoefficients(HistoSysInterpolation code, ReadOnlySpan<double> pars, ReadOnlySpan<int> rowParam, Span<double> cp, Span<double> cq)
    {
        switch (code)
        {
            case HistoSysInterpolation.Code0:
                // α > 0: α·up; otherwise α·down.
                for (int r = 0; r < rowParam.Length; r++)
                {
                    double alpha = pars[rowParam[r]];
                    cp[r] = alpha > 0.0 ? alpha : 0.0;
                    cq[r] = alpha > 0.0 ? 0.0 : alpha;
                }

                break;
            case HistoSysInterpolation.Code2:
                // α > 1: (b + 2a)(α − 1); −1 ≤ α ≤ 1: a α² + b α; α < −1: (b − 2a)(α + 1).
                for (int r = 0; r < rowParam.Length; r++)
                {
                    double alpha = pars[rowParam[r]];
                    (cp[r], cq[r]) = alpha > 1.0 ? (2.0 * (alpha - 1.0), alpha - 1.0)
                        : alpha >= -1.0 ? (alpha * alpha, alpha)
                        : (-2.0 * (alpha + 1.0), alpha + 1.0);
                }

                break;
            default:
                // code4p: α·S + α²(15 − 10α² + 3α⁴)·A inside; α·up = α(S + 8A) above 1, α·down = α(S − 8A) below −1.
                for (int r = 0; r < rowParam.Length; r++)
                {
                    double alpha = pars[rowParam[r]];
                    double square = alpha * alpha;
                    cp[r] = alpha;
                    cq[r] = alpha > 1.0 ? 8.0 * alpha : alpha < -1.0 ? -8.0 * alpha : square * ((square * ((square * 3.0) - 10.0)) + 15.0);
                }

                break;
        }
    }

    /// <summary>The α-derivatives of <see cref="RowCoefficients"/>: d_p, d_q of every row (pairs).</summary>
    internal static void RowDerivatives(HistoSysInterpolation code, ReadOnlySpan<double> pars, ReadOnlySpan<int> rowParam, Span<double> derivatives)
    {
        // One loop per code, as for the coefficients: the code is the same for all rows.
        switch (code)
        {
            case HistoSysInterpolation.Code0:
                for (int r = 0; r < rowParam.Length; r++)
                {
                    (derivatives[2 * r], derivatives[(2 * r) + 1]) = pars[rowParam[r]] > 0.0 ? (1.0, 0.0) : (0.0, 1.0);
                }

                break;
            case HistoSysInterpolation.Code2:
                for (int r = 0; r < rowParam.Length; r++)
                {
                    double alpha = pars[rowParam[r]];
                    (derivatives[2 * r], derivatives[(2 * r) + 1]) = alpha > 1.0 ? (2.0, 1.0) : alpha >= -1.0 ? (2.0 * alpha, 1.0) : (-2.0, 1.0);
                }

                break;
            default:
                for (int r = 0; r < rowParam.Length; r++)
                {
                    double alpha = pars[rowParam[r]];
                    derivatives[2 * r] = 1.0;
                    derivatives[(2 * r) + 1] = alpha > 1.0 ? 8.0 : alpha < -1.0 ? -8.0 : alpha * (30.0 + (alpha * alpha * ((18.0 * alpha * alpha) - 40.0)));
                }

                break;
        }
    }
}
