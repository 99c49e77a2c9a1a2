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
    /// <summary>The per-parameter coefficients of the rows at α and their derivatives in α.</summary>
    internal static void Coefficients(HistoSysInterpolation code, double alpha, out double cp, out double cq, out double dp, out double dq)
    {
        switch (code)
        {
            case HistoSysInterpolation.Code0:
                // α > 0: α·up; otherwise α·down.
                bool positive = alpha > 0.0;
                cp = positive ? alpha : 0.0;
                cq = positive ? 0.0 : alpha;
                dp = positive ? 1.0 : 0.0;
                dq = positive ? 0.0 : 1.0;
                break;
            case HistoSysInterpolation.Code2:
                // α > 1: (b + 2a)(α − 1); −1 ≤ α ≤ 1: a α² + b α; α < −1: (b − 2a)(α + 1).
                if (alpha > 1.0)
                {
                    (cp, cq, dp, dq) = (2.0 * (alpha - 1.0), alpha - 1.0, 2.0, 1.0);
                }
                else if (alpha >= -1.0)
                {
                    (cp, cq, dp, dq) = (alpha * alpha, alpha, 2.0 * alpha, 1.0);
                }
                else
                {
                    (cp, cq, dp, dq) = (-2.0 * (alpha + 1.0), alpha + 1.0, -2.0, 1.0);
                }

                break;
            default:
                // code4p: α·S + α²(15 − 10α² + 3α⁴)·A inside; α·up = α(S + 8A) above 1, α·down = α(S − 8A) below −1.
                double square = alpha * alpha;
                cp = alpha;
                dp = 1.0;
                if (alpha > 1.0)
                {
                    (cq, dq) = (8.0 * alpha, 8.0);
                }
                else if (alpha < -1.0)
                {
                    (cq, dq) = (-8.0 * alpha, -8.0);
                }
                else
                {
                    cq = square * ((square * ((square * 3.0) - 10.0)) + 15.0);
                    dq = alpha * (30.0 + (square * ((18.0 * square) - 40.0)));
                }

                break;
        }
    }
}
