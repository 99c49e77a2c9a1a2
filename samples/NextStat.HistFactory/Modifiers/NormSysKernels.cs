using NextStat.Kernels;

namespace NextStat.HistFactory.Modifiers;

/// <summary>
/// normsys on dense rows: a parameter's factors on every (channel, sample) block it touches, from the first such
/// block to the last (blocks in between carry ln hi = ln lo = 0 and zero coefficients, which give exactly 1 and 0).
/// One sweep computes factor and derivative for the whole row; the factors multiply into the block products and the
/// gradient is Σ (df/f)·(block weight). Code4 coefficients a1…a6 are precomputed (<see cref="Code4Coefficients"/>).
/// </summary>
internal static partial class NormSysKernels
{
    /// <summary>pyhf code4 for |α| &lt; 1: 1 + Σ a_i α^i, and its derivative.</summary>
    internal static (double Factor, double Derivative) Code4Polynomial(double a1, double a2, double a3, double a4, double a5, double a6, double alpha) =>
        (1.0 + (alpha * (a1 + (alpha * (a2 + (alpha * (a3 + (alpha * (a4 + (alpha * (a5 + (alpha * a6))))))))))),
         a1 + (alpha * ((2.0 * a2) + (alpha * ((3.0 * a3) + (alpha * ((4.0 * a4) + (alpha * ((5.0 * a5) + (alpha * 6.0 * a6))))))))));

    /// <summary>
    /// The exponential pieces of code4 and code1: base^e = exp(e·ln base) and its α-derivative sign·ln base·base^e,
    /// with (e, sign) = (α, +1) for hi and (−α, −1) for lo.
    /// </summary>
    internal static (double Factor, double Derivative) Power(double lnBase, double exponent, double sign)
    {
        double factor = KernelMath.Exp(exponent * lnBase);
        return (factor, sign * lnBase * factor);
    }

    /// <summary>Multiplies a block product by a factor.</summary>
    internal static double Multiply(double product, double factor) => product * factor;

    /// <summary>d twice_nll/dα contribution of one block: (df/f)·(Σ over the block's entries of g·y).</summary>
    internal static double LogDerivativeWeight(double derivative, double factor, double blockWeight) => derivative * blockWeight / factor;

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

    [MapKernel(nameof(Code4Polynomial))]
    internal static partial void Code4Polynomials(Span<double> factor, Span<double> derivative,
        ReadOnlySpan<double> a1, ReadOnlySpan<double> a2, ReadOnlySpan<double> a3, ReadOnlySpan<double> a4, ReadOnlySpan<double> a5, ReadOnlySpan<double> a6, double alpha,
        KernelContext? context = null);

    [MapKernel(nameof(Power))]
    internal static partial void Powers(Span<double> factor, Span<double> derivative, ReadOnlySpan<double> lnBase, double exponent, double sign, KernelContext? context = null);

    /// <summary>
    /// Factors and derivatives of one parameter's row. α is the same for the whole row, so the piece (polynomial,
    /// hi power or lo power) is chosen once per row, with pyhf's boundaries: code4 uses hi^α from α ≥ 1 and lo^(−α)
    /// from α ≤ −1, code1 uses hi^α for α &gt; 0.
    /// </summary>
    internal static void Factors(KernelContext context, NormSysInterpolation code, double alpha, Span<double> factor, Span<double> derivative, ReadOnlySpan<double> lnHi, ReadOnlySpan<double> lnLo,
        ReadOnlySpan<double> a1, ReadOnlySpan<double> a2, ReadOnlySpan<double> a3, ReadOnlySpan<double> a4, ReadOnlySpan<double> a5, ReadOnlySpan<double> a6)
    {
        bool high = code == NormSysInterpolation.Code4 ? alpha >= 1.0 : alpha > 0.0;
        bool low = code == NormSysInterpolation.Code4 ? alpha <= -1.0 : !high;
        if (high)
        {
            Powers(factor, derivative, lnHi, alpha, 1.0, context);
        }
        else if (low)
        {
            Powers(factor, derivative, lnLo, -alpha, -1.0, context);
        }
        else
        {
            Code4Polynomials(factor, derivative, a1, a2, a3, a4, a5, a6, alpha, context);
        }
    }

    [UpdateKernel(nameof(Multiply))]
    internal static partial void MultiplyInto(Span<double> product, ReadOnlySpan<double> factor, KernelContext? context = null);

    [SumKernel(nameof(LogDerivativeWeight))]
    internal static partial double SumLogDerivativeWeights(ReadOnlySpan<double> derivative, ReadOnlySpan<double> factor, ReadOnlySpan<double> blockWeight, KernelContext? context = null);
}
