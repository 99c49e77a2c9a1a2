using NextStat.Kernels;

namespace NextStat.HistFactory.Modifiers;

/// <summary>
/// normsys rows: a parameter's factors on the (channel, sample) blocks it scales. α is the same for the whole row,
/// so the piece (polynomial, hi power or lo power) is chosen once per row (<see cref="PieceOf"/>); each piece is an
/// update kernel that multiplies the block products by the factors, and a sum kernel for the gradient
/// Σ (df/dα)/f · (block weight). Dense rows (identity cells: ln hi = ln lo = 0 and zero coefficients, which give
/// exactly 1 and 0) run through the kernels, sparse ones through the same element functions one cell at a time.
/// Code4 coefficients a1…a6 are precomputed (<see cref="Code4Coefficients"/>).
/// </summary>
internal static partial class NormSysKernels
{
    /// <summary>Which formula a row uses at α.</summary>
    internal enum Piece
    {
        Polynomial,
        High,
        Low,
    }

    /// <summary>pyhf's boundaries: code4 uses hi^α from α ≥ 1 and lo^(−α) from α ≤ −1, code1 hi^α for α &gt; 0, else lo^(−α).</summary>
    internal static Piece PieceOf(NormSysInterpolation code, double alpha)
    {
        if (code == NormSysInterpolation.Code4)
        {
            return alpha >= 1.0 ? Piece.High : alpha <= -1.0 ? Piece.Low : Piece.Polynomial;
        }

        return alpha > 0.0 ? Piece.High : Piece.Low;
    }

    /// <summary>pyhf code4 for |α| &lt; 1: 1 + Σ a_i α^i.</summary>
    [KernelFunction]
    internal static double Code4Factor(double a1, double a2, double a3, double a4, double a5, double a6, double alpha) =>
        1.0 + (alpha * (a1 + (alpha * (a2 + (alpha * (a3 + (alpha * (a4 + (alpha * (a5 + (alpha * a6)))))))))));

    /// <summary>d/dα of <see cref="Code4Factor"/>.</summary>
    [KernelFunction]
    internal static double Code4Derivative(double a1, double a2, double a3, double a4, double a5, double a6, double alpha) =>
        a1 + (alpha * ((2.0 * a2) + (alpha * ((3.0 * a3) + (alpha * ((4.0 * a4) + (alpha * ((5.0 * a5) + (alpha * 6.0 * a6)))))))));

    /// <summary>Multiplies a block product by the code4 polynomial factor.</summary>
    internal static double MultiplyPolynomial(double product, double a1, double a2, double a3, double a4, double a5, double a6, double alpha) =>
        product * Code4Factor(a1, a2, a3, a4, a5, a6, alpha);

    /// <summary>
    /// Multiplies a block product by an exponential piece of code4 or code1, base^e = exp(e·ln base), with e = α for
    /// hi and −α for lo.
    /// </summary>
    internal static double MultiplyPower(double product, double lnBase, double exponent) => product * KernelMath.Exp(exponent * lnBase);

    /// <summary>d twice_nll/dα of one block under the polynomial: (df/dα)/f · (Σ over the block's entries of g·y).</summary>
    internal static double PolynomialLogDerivativeWeight(double a1, double a2, double a3, double a4, double a5, double a6, double alpha, double blockWeight) =>
        Code4Derivative(a1, a2, a3, a4, a5, a6, alpha) * blockWeight / Code4Factor(a1, a2, a3, a4, a5, a6, alpha);

    /// <summary>
    /// The same under an exponential piece, whose (df/dα)/f is ±ln base: ln base · block weight (the row's sign is
    /// applied to the sum).
    /// </summary>
    internal static double PowerLogDerivativeWeight(double lnBase, double blockWeight) => lnBase * blockWeight;

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

    [UpdateKernel(nameof(MultiplyPolynomial))]
    internal static partial void MultiplyPolynomials(Span<double> product,
        ReadOnlySpan<double> a1, ReadOnlySpan<double> a2, ReadOnlySpan<double> a3, ReadOnlySpan<double> a4, ReadOnlySpan<double> a5, ReadOnlySpan<double> a6, double alpha,
        KernelContext? context = null);

    [UpdateKernel(nameof(MultiplyPower))]
    internal static partial void MultiplyPowers(Span<double> product, ReadOnlySpan<double> lnBase, double exponent, KernelContext? context = null);

    [SumKernel(nameof(PolynomialLogDerivativeWeight))]
    internal static partial double SumPolynomialLogDerivativeWeights(
        ReadOnlySpan<double> a1, ReadOnlySpan<double> a2, ReadOnlySpan<double> a3, ReadOnlySpan<double> a4, ReadOnlySpan<double> a5, ReadOnlySpan<double> a6, double alpha,
        ReadOnlySpan<double> blockWeight, KernelContext? context = null);

    [SumKernel(nameof(PowerLogDerivativeWeight))]
    internal static partial double SumPowerLogDerivativeWeights(ReadOnlySpan<double> lnBase, ReadOnlySpan<double> blockWeight, KernelContext? context = null);
}
