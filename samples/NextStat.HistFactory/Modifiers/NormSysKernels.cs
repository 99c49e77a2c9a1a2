using System.Runtime.CompilerServices;
using NextStat.Kernels;

namespace NextStat.HistFactory.Modifiers;

/// <summary>
/// normsys rows: a parameter's factors on the (channel, sample) blocks it scales. α is the same for the whole row,
/// so the piece (polynomial, hi power or lo power) is chosen once per row (<see cref="PieceOf"/>). The value pass
/// multiplies the block products by the factors: dense rows (identity cells: ln hi = ln lo = 0 and zero
/// coefficients, which give exactly 1) through update kernels, sparse ones through the same element functions one
/// cell at a time. The gradient Σ (df/dα)/f · (block weight) of every polynomial row comes from one map kernel over
/// all cells. Code4 coefficients a1…a6 are precomputed (<see cref="Code4Coefficients"/>).
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

    /// <summary>
    /// pyhf code4 for |α| &lt; 1: 1 + Σ a_i α^i, as a short sum of independent products (the powers are shared by
    /// every cell of a row) rather than a six-deep Horner chain.
    /// </summary>
    [KernelFunction]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double Code4Factor(double a1, double a2, double a3, double a4, double a5, double a6, double alpha)
    {
        double p2 = alpha * alpha;
        double p3 = p2 * alpha;
        double p4 = p2 * p2;
        return 1.0 + ((((a1 * alpha) + (a2 * p2)) + ((a3 * p3) + (a4 * p4))) + ((a5 * (p4 * alpha)) + (a6 * (p3 * p3))));
    }

    /// <summary>d/dα of <see cref="Code4Factor"/>: a1 + Σ i·a_i α^(i−1).</summary>
    [KernelFunction]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double Code4Derivative(double a1, double a2, double a3, double a4, double a5, double a6, double alpha)
    {
        double p2 = alpha * alpha;
        double p3 = p2 * alpha;
        double p4 = p2 * p2;
        return a1 + ((((2.0 * a2 * alpha) + (3.0 * a3 * p2)) + ((4.0 * a4 * p3) + (5.0 * a5 * p4))) + (6.0 * a6 * (p4 * alpha)));
    }

    /// <summary>Multiplies a block product by the code4 polynomial factor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double MultiplyPolynomial(double product, double a1, double a2, double a3, double a4, double a5, double a6, double alpha) =>
        product * Code4Factor(a1, a2, a3, a4, a5, a6, alpha);

    /// <summary>
    /// Multiplies a block product by an exponential piece of code4 or code1, base^e = exp(e·ln base), with e = α for
    /// hi and −α for lo.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double MultiplyPower(double product, double lnBase, double exponent) => product * KernelMath.Exp(exponent * lnBase);

    /// <summary>d twice_nll/dα of one block under the polynomial: (df/dα)/f · (Σ over the block's entries of g·y).</summary>
    internal static double PolynomialLogDerivativeWeight(double a1, double a2, double a3, double a4, double a5, double a6, double alpha, double blockWeight) =>
        Code4Derivative(a1, a2, a3, a4, a5, a6, alpha) * blockWeight / Code4Factor(a1, a2, a3, a4, a5, a6, alpha);

    /// <summary>
    /// The same under an exponential piece, whose (df/dα)/f is ±ln base: ln base · block weight (the row's sign is
    /// applied to the row's sum).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
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

    /// <summary>
    /// The polynomial log-derivative weights of many rows in one call: each cell carries its row's α, so the division
    /// of every cell is vectorised without paying a kernel set-up per (often short) row.
    /// </summary>
    [MapKernel(nameof(PolynomialLogDerivativeWeight))]
    internal static partial void PolynomialLogDerivativeWeights(Span<double> result,
        ReadOnlySpan<double> a1, ReadOnlySpan<double> a2, ReadOnlySpan<double> a3, ReadOnlySpan<double> a4, ReadOnlySpan<double> a5, ReadOnlySpan<double> a6,
        ReadOnlySpan<double> alpha, ReadOnlySpan<double> blockWeight, KernelContext? context = null);
}
