using NextStat.Kernels;

namespace NextStat.HistFactory;

/// <summary>
/// The histosys and normsys math as tile kernels over <see cref="TileLayout"/>s whose rows are parameters and whose
/// lanes are entries (histosys) or blocks (normsys): a register holds four targets across all the parameters touching
/// them. Per-row values (coefficients, α, the piece) are the same on all lanes of a tile, so the generator turns the
/// piece conditions into branches. An identity cell (all fields zero, a lane the row misses) leaves every
/// accumulator unchanged: c·0 adds nothing, and 1 + 0 multiplies by one.
/// </summary>
internal static partial class ModifierKernels
{
    /// <summary>
    /// The normsys piece of a row as a per-row kernel value: 0 the polynomial, 1 hi^α, 2 lo^(−α). In this order each
    /// test is one ordered comparison (piece &lt; HighPower: the polynomial; then piece &lt; LowPower: hi^α), one
    /// branch a tile, where an equality test of doubles takes a second branch for NaN.
    /// </summary>
    internal const double Polynomial = 0.0;

    /// <inheritdoc cref="Polynomial"/>
    internal const double HighPower = 1.0;

    /// <inheritdoc cref="Polynomial"/>
    internal const double LowPower = 2.0;

    /// <summary>One histosys cell: c_p·P added to the lane's P sum, c_q·Q to its Q sum (two chains, not one, so that the two multiply-adds of a tile do not wait on each other).</summary>
    internal static (double OnP, double OnQ) HistoSysShift(double onP, double onQ, double cp, double cq, double p, double q) =>
        (Math.FusedMultiplyAdd(cp, p, onP), Math.FusedMultiplyAdd(cq, q, onQ));

    /// <summary>Each entry lane's sums of c_p·P and of c_q·Q over its histosys rows; the shift is their sum.</summary>
    [TileFoldKernel(nameof(HistoSysShift), TileCombine.Sum, TileCombine.Sum)]
    internal static partial void HistoSysShifts(TileLayout tiles, Span<double> shiftP, Span<double> shiftQ, ReadOnlySpan<double> cp, ReadOnlySpan<double> cq, KernelContext? context);

    /// <summary>One histosys cell's share of its parameter's projections: P and Q times the entry's weight.</summary>
    internal static (double OnP, double OnQ) HistoSysProjection(double onP, double onQ, double weight, double p, double q) =>
        (Math.FusedMultiplyAdd(p, weight, onP), Math.FusedMultiplyAdd(q, weight, onQ));

    /// <summary>
    /// Each parameter lane's sums of P and of Q times the entry weights, over the layout transposed from
    /// <see cref="HistoSysShifts"/>'s (rows are entries, lanes parameters), so that a parameter's sums stay in a
    /// register over its entries instead of being added to memory once per tile.
    /// </summary>
    [TileFoldKernel(nameof(HistoSysProjection), TileCombine.Sum, TileCombine.Sum)]
    internal static partial void HistoSysProjections(TileLayout tiles, Span<double> onP, Span<double> onQ, ReadOnlySpan<double> weight, KernelContext? context);

    /// <summary>f − 1 = Σ a_i α^i of a code4 cell by Horner's rule: (((((a6·α + a5)·α + a4)·α + a3)·α + a2)·α + a1)·α.</summary>
    [KernelFunction]
    internal static double PolynomialExcess(double alpha, double a1, double a2, double a3, double a4, double a5, double a6) =>
        Math.FusedMultiplyAdd(Math.FusedMultiplyAdd(Math.FusedMultiplyAdd(Math.FusedMultiplyAdd(Math.FusedMultiplyAdd(a6, alpha, a5), alpha, a4), alpha, a3), alpha, a2), alpha, a1) * alpha;

    /// <summary>
    /// One normsys cell: a polynomial row multiplies 1 + (f − 1) into the lane's product as one multiply-add; a power
    /// row adds its exponent (α for hi^α, −α for lo^(−α)) times ln hi or ln lo to the lane's exponent sum, whose exp
    /// multiplies the product once per lane afterwards (<see cref="PowerProduct"/>).
    /// </summary>
    internal static (double Product, double Exponent) NormSysFactor(
        double product, double exponent, double value, double piece,
        double a1, double a2, double a3, double a4, double a5, double a6, double lnHi, double lnLo) =>
        (piece < HighPower ? Math.FusedMultiplyAdd(product, PolynomialExcess(value, a1, a2, a3, a4, a5, a6), product) : product,
         piece < HighPower ? exponent : Math.FusedMultiplyAdd(value, piece < LowPower ? lnHi : lnLo, exponent));

    /// <summary>Each block lane's product of its polynomial normsys factors and sum of its power rows' exponents.</summary>
    [TileFoldKernel(nameof(NormSysFactor), TileCombine.Product, TileCombine.Sum, SideFields = 2)]
    internal static partial void NormSysProducts(TileLayout tiles, Span<double> product, Span<double> exponent, ReadOnlySpan<double> value, ReadOnlySpan<double> piece, KernelContext? context);

    /// <summary>A lane's normsys product with its power rows: product · exp(exponent).</summary>
    internal static double PowerProduct(double product, double exponent) => product * KernelMath.Exp(exponent);

    [MapKernel(nameof(PowerProduct))]
    internal static partial void PowerProducts(Span<double> result, ReadOnlySpan<double> product, ReadOnlySpan<double> exponent, KernelContext? context);

    /// <summary>
    /// One normsys cell's share of its row's gradient: (df/dα)/f times the block's weight. (df/dα)/f is the slope over
    /// 1 + (f − 1) for the polynomial, ln hi for hi^α and −ln lo for lo^(−α). The polynomial and its slope come from
    /// one Horner pass (p_k = p_(k+1)·α + a_k, d_k = d_(k+1)·α + p_(k+1), f − 1 = p_1·α, df/dα = d_1·α + p_1), so a
    /// row needs no set-up beyond α; f − 1 is the value pass's <see cref="PolynomialExcess"/> to the bit.
    /// </summary>
    internal static double NormSysLogDerivative(
        double sum, double weight, double value, double piece,
        double a1, double a2, double a3, double a4, double a5, double a6, double lnHi, double lnLo)
    {
        double p5 = Math.FusedMultiplyAdd(a6, value, a5);
        double p4 = Math.FusedMultiplyAdd(p5, value, a4);
        double d4 = Math.FusedMultiplyAdd(a6, value, p5);
        double p3 = Math.FusedMultiplyAdd(p4, value, a3);
        double d3 = Math.FusedMultiplyAdd(d4, value, p4);
        double p2 = Math.FusedMultiplyAdd(p3, value, a2);
        double d2 = Math.FusedMultiplyAdd(d3, value, p3);
        double p1 = Math.FusedMultiplyAdd(p2, value, a1);
        double d1 = Math.FusedMultiplyAdd(d2, value, p2);
        return Math.FusedMultiplyAdd(
            piece < HighPower ? Math.FusedMultiplyAdd(d1, value, p1) / (1.0 + (p1 * value)) : piece < LowPower ? lnHi : -lnLo,
            weight,
            sum);
    }

    /// <summary>Per row and lane, Σ over the row's tiles of (df/dα)/f times the lane's weight, added to the row sums.</summary>
    [TileUpdateKernel(nameof(NormSysLogDerivative), SideFields = 2)]
    internal static partial void NormSysLogDerivatives(
        TileLayout tiles, Span<double> sums, [PerLane] ReadOnlySpan<double> weight, ReadOnlySpan<double> value, ReadOnlySpan<double> piece, KernelContext? context);
}
