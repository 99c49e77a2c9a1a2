using NextStat.Kernels;

namespace NextStat.HistFactory.Modifiers;

/// <summary>
/// normsys: one multiplicative factor per (modifier, sample) instance, interpolated in α. The sweeps run over all
/// instances of the model at once (thousands in ATLAS likelihoods), with α gathered into a dense array first.
/// Code4 coefficients a1…a6 are precomputed per instance at build time (<see cref="Code4Coefficients"/>).
/// </summary>
internal static partial class NormSysKernels
{
    /// <summary>pyhf code4: hi^α for α ≥ 1, lo^(−α) for α ≤ −1, 1 + Σ a_i α^i in between.</summary>
    internal static double Code4Factor(double alpha, double lnHi, double lnLo, double a1, double a2, double a3, double a4, double a5, double a6)
    {
        double poly = 1.0 + (alpha * (a1 + (alpha * (a2 + (alpha * (a3 + (alpha * (a4 + (alpha * (a5 + (alpha * a6)))))))))));
        return alpha >= 1.0 ? KernelMath.Exp(alpha * lnHi) : (alpha <= -1.0 ? KernelMath.Exp(-alpha * lnLo) : poly);
    }

    /// <summary>d/dα of <see cref="Code4Factor"/>.</summary>
    internal static double Code4Derivative(double alpha, double lnHi, double lnLo, double a1, double a2, double a3, double a4, double a5, double a6)
    {
        double poly = a1 + (alpha * ((2.0 * a2) + (alpha * ((3.0 * a3) + (alpha * ((4.0 * a4) + (alpha * ((5.0 * a5) + (alpha * 6.0 * a6)))))))));
        return alpha >= 1.0 ? lnHi * KernelMath.Exp(alpha * lnHi) : (alpha <= -1.0 ? -lnLo * KernelMath.Exp(-alpha * lnLo) : poly);
    }

    /// <summary>pyhf code1: hi^α for α &gt; 0, lo^(−α) otherwise.</summary>
    internal static double Code1Factor(double alpha, double lnHi, double lnLo) =>
        alpha > 0.0 ? KernelMath.Exp(alpha * lnHi) : KernelMath.Exp(-alpha * lnLo);

    /// <summary>d/dα of <see cref="Code1Factor"/>.</summary>
    internal static double Code1Derivative(double alpha, double lnHi, double lnLo) =>
        alpha > 0.0 ? lnHi * KernelMath.Exp(alpha * lnHi) : -lnLo * KernelMath.Exp(-alpha * lnLo);

    /// <summary>
    /// The code4 polynomial coefficients a1…a6 (α0 = 1) that match value, slope and curvature of the exponential
    /// pieces at α = ±1: a = A⁻¹ b with b = (hi − 1, lo − 1, hi·ln hi, −lo·ln lo, hi·ln² hi, lo·ln² lo), as pyhf does.
    /// </summary>
    internal static void Code4Coefficients(double hi, double lo, Span<double> a)
    {
        double lnHi = Math.Log(hi);
        double lnLo = Math.Log(lo);
        ReadOnlySpan<double> b = [hi - 1.0, lo - 1.0, lnHi * hi, -lnLo * lo, lnHi * lnHi * hi, lnLo * lnLo * lo];
        ReadOnlySpan<double> inverse =
        [
            15.0 / 16, -15.0 / 16, -7.0 / 16, -7.0 / 16, 1.0 / 16, -1.0 / 16,
            3.0 / 2, 3.0 / 2, -9.0 / 16, 9.0 / 16, 1.0 / 16, 1.0 / 16,
            -5.0 / 8, 5.0 / 8, 5.0 / 8, 5.0 / 8, -1.0 / 8, 1.0 / 8,
            -3.0 / 2, -3.0 / 2, 7.0 / 8, -7.0 / 8, -1.0 / 8, -1.0 / 8,
            3.0 / 16, -3.0 / 16, -3.0 / 16, -3.0 / 16, 1.0 / 16, -1.0 / 16,
            1.0 / 2, 1.0 / 2, -5.0 / 16, 5.0 / 16, 1.0 / 16, 1.0 / 16,
        ];
        for (int r = 0; r < 6; r++)
        {
            double sum = 0.0;
            for (int c = 0; c < 6; c++)
            {
                sum += inverse[(r * 6) + c] * b[c];
            }

            a[r] = sum;
        }
    }

    internal static void Code4Factors(Span<double> result, ReadOnlySpan<double> alpha, ReadOnlySpan<double> lnHi, ReadOnlySpan<double> lnLo,
        ReadOnlySpan<double> a1, ReadOnlySpan<double> a2, ReadOnlySpan<double> a3, ReadOnlySpan<double> a4, ReadOnlySpan<double> a5, ReadOnlySpan<double> a6)
    {
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = Code4Factor(alpha[i], lnHi[i], lnLo[i], a1[i], a2[i], a3[i], a4[i], a5[i], a6[i]);
        }
    }

    internal static void Code4Derivatives(Span<double> result, ReadOnlySpan<double> alpha, ReadOnlySpan<double> lnHi, ReadOnlySpan<double> lnLo,
        ReadOnlySpan<double> a1, ReadOnlySpan<double> a2, ReadOnlySpan<double> a3, ReadOnlySpan<double> a4, ReadOnlySpan<double> a5, ReadOnlySpan<double> a6)
    {
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = Code4Derivative(alpha[i], lnHi[i], lnLo[i], a1[i], a2[i], a3[i], a4[i], a5[i], a6[i]);
        }
    }

    internal static void Code1Factors(Span<double> result, ReadOnlySpan<double> alpha, ReadOnlySpan<double> lnHi, ReadOnlySpan<double> lnLo)
    {
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = Code1Factor(alpha[i], lnHi[i], lnLo[i]);
        }
    }

    internal static void Code1Derivatives(Span<double> result, ReadOnlySpan<double> alpha, ReadOnlySpan<double> lnHi, ReadOnlySpan<double> lnLo)
    {
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = Code1Derivative(alpha[i], lnHi[i], lnLo[i]);
        }
    }
}
