using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using NextStat.HistFactory.Modifiers;

namespace NextStat.HistFactory;

/// <summary>
/// The histosys and normsys sweeps over <see cref="ModifierTiles"/>, written once over <see cref="ITileLanes{TSelf}"/>
/// and compiled per width. Each lane's arithmetic is the same sequence of IEEE operations on every width, so results
/// do not depend on it.
/// <para>
/// These sweeps are hand-written rather than generated kernels because the generated kernel kinds map one element
/// to one element (or sum over elements): here a register holds four targets across all of a group's rows, with a
/// per-row broadcast of coefficients, which is what makes the short rows of real workspaces (a few dozen blocks per
/// parameter) cheap: one kernel call per row cost more in set-up than its cells.
/// </para>
/// Positions in the tile data and in the per-row scratch come from the layout, which the builder made consistent,
/// so the loops index without bounds checks (they cost as much as the arithmetic here).
/// </summary>
internal static class ModifierSweeps
{
    private const int Lanes = ModifierTiles.Lanes;
    private const int NormTileSize = NormSysMath.Fields * Lanes;
    private const int PowerTileSize = NormSysMath.PowerFields * Lanes;
    private const int HistoTileSize = 2 * Lanes;

    /// <summary>The per-row slots of the slope powers i·α^(i−1), i = 1…6 (two unused).</summary>
    public const int SlopeSlots = 8;

    /// <summary>
    /// Each lane's product of its normsys factors into <paramref name="laneProduct"/>. A polynomial row multiplies
    /// in 1 + (f − 1) as one multiply-add, rotating between four running products so that consecutive tiles do not
    /// wait on each other; a power row adds its exponent times ln hi or ln lo to the lane's exponent sum, whose exp
    /// multiplies the product once per group (only when some row is a power, <paramref name="anyPower"/>).
    /// </summary>
    /// <param name="rowValue">Per row: α for a polynomial row, the exponent (α or −α) for a power row.</param>
    public static void NormSysProducts<T>(ModifierTiles tiles, ReadOnlySpan<double> rowValue, ReadOnlySpan<NormSysMath.Piece> rowPiece, bool anyPower, Span<double> laneProduct)
        where T : struct, ITileLanes<T>
    {
        ref double data = ref MemoryMarshal.GetArrayDataReference(tiles.Data);
        ref double lnData = ref MemoryMarshal.GetArrayDataReference(tiles.SideData);
        ref int tileRow = ref MemoryMarshal.GetArrayDataReference(tiles.TileRow);
        ref double values = ref MemoryMarshal.GetReference(rowValue);
        ref NormSysMath.Piece pieces = ref MemoryMarshal.GetReference(rowPiece);
        ref double result = ref MemoryMarshal.GetReference(laneProduct);
        int[] groupStart = tiles.GroupStart;
        T one = T.Broadcast(1.0);
        for (int g = 0; g < groupStart.Length - 1; g++)
        {
            T p0 = one, p1 = one, p2 = one, p3 = one;
            T exponent = T.Zero;
            int t = groupStart[g];
            int end = groupStart[g + 1];
            for (; t + 3 < end; t += 4)
            {
                p0 = MultiplyFactor(ref data, ref lnData, ref tileRow, ref values, ref pieces, t, p0, ref exponent);
                p1 = MultiplyFactor(ref data, ref lnData, ref tileRow, ref values, ref pieces, t + 1, p1, ref exponent);
                p2 = MultiplyFactor(ref data, ref lnData, ref tileRow, ref values, ref pieces, t + 2, p2, ref exponent);
                p3 = MultiplyFactor(ref data, ref lnData, ref tileRow, ref values, ref pieces, t + 3, p3, ref exponent);
            }

            for (; t < end; t++)
            {
                p0 = MultiplyFactor(ref data, ref lnData, ref tileRow, ref values, ref pieces, t, p0, ref exponent);
            }

            T product = (p0 * p1) * (p2 * p3);
            if (anyPower)
            {
                product *= T.Exp(exponent);
            }

            T.Store(product, ref Unsafe.Add(ref result, g * Lanes));
        }
    }

    /// <summary>
    /// Per row and lane, Σ over the row's tiles of (df/dα)/f times the lane's weight, added to
    /// <paramref name="rowSums"/> (<see cref="ModifierTiles.Lanes"/> per row). For a power row (df/dα)/f is ln hi or
    /// ln lo; the caller negates a lo row's sum (lo^(−α)).
    /// </summary>
    /// <param name="rowValue">As for <see cref="NormSysProducts"/>.</param>
    /// <param name="rowSlopePowers">Per polynomial row, <see cref="SlopeSlots"/> values: i·α^(i−1) for i = 1…6.</param>
    public static void NormSysLogDerivatives<T>(ModifierTiles tiles, ReadOnlySpan<double> rowValue, ReadOnlySpan<double> rowSlopePowers,
        ReadOnlySpan<NormSysMath.Piece> rowPiece, ReadOnlySpan<double> laneWeight, Span<double> rowSums)
        where T : struct, ITileLanes<T>
    {
        ref double data = ref MemoryMarshal.GetArrayDataReference(tiles.Data);
        ref double lnData = ref MemoryMarshal.GetArrayDataReference(tiles.SideData);
        ref int tileRow = ref MemoryMarshal.GetArrayDataReference(tiles.TileRow);
        ref double values = ref MemoryMarshal.GetReference(rowValue);
        ref double slopePowers = ref MemoryMarshal.GetReference(rowSlopePowers);
        ref NormSysMath.Piece pieces = ref MemoryMarshal.GetReference(rowPiece);
        ref double laneWeights = ref MemoryMarshal.GetReference(laneWeight);
        ref double sums = ref MemoryMarshal.GetReference(rowSums);
        int[] groupStart = tiles.GroupStart;
        T one = T.Broadcast(1.0);
        for (int g = 0; g < groupStart.Length - 1; g++)
        {
            T weight = T.Load(ref Unsafe.Add(ref laneWeights, g * Lanes));
            int end = groupStart[g + 1];
            for (int t = groupStart[g]; t < end; t++)
            {
                int r = Unsafe.Add(ref tileRow, t);
                ref double cell = ref Unsafe.Add(ref data, t * NormTileSize);
                ref double sum = ref Unsafe.Add(ref sums, r * Lanes);
                NormSysMath.Piece piece = Unsafe.Add(ref pieces, r);
                T logDerivative;
                if (piece == NormSysMath.Piece.Polynomial)
                {
                    ref double d = ref Unsafe.Add(ref slopePowers, r * SlopeSlots);
                    T odd = T.Load(ref cell) * T.Broadcast(d);
                    T even = T.Load(ref Unsafe.Add(ref cell, Lanes)) * T.Broadcast(Unsafe.Add(ref d, 1));
                    odd = T.MultiplyAdd(T.Load(ref Unsafe.Add(ref cell, 2 * Lanes)), T.Broadcast(Unsafe.Add(ref d, 2)), odd);
                    even = T.MultiplyAdd(T.Load(ref Unsafe.Add(ref cell, 3 * Lanes)), T.Broadcast(Unsafe.Add(ref d, 3)), even);
                    odd = T.MultiplyAdd(T.Load(ref Unsafe.Add(ref cell, 4 * Lanes)), T.Broadcast(Unsafe.Add(ref d, 4)), odd);
                    even = T.MultiplyAdd(T.Load(ref Unsafe.Add(ref cell, 5 * Lanes)), T.Broadcast(Unsafe.Add(ref d, 5)), even);
                    T slope = odd + even;
                    logDerivative = slope / (one + PolynomialExcess(ref cell, T.Broadcast(Unsafe.Add(ref values, r))));
                }
                else
                {
                    logDerivative = T.Load(ref Unsafe.Add(ref lnData, (t * PowerTileSize) + LnBaseField(piece)));
                }

                T.Store(T.MultiplyAdd(logDerivative, weight, T.Load(ref sum)), ref sum);
            }
        }
    }

    /// <summary>
    /// Each lane's sum of histosys shifts c_p·P + c_q·Q over its rows into <paramref name="laneShift"/>, with the
    /// tiles dealt round four pairs of running sums so that consecutive tiles do not wait on each other.
    /// </summary>
    /// <param name="rowCoefficients">Per row: c_p, c_q.</param>
    public static void HistoSysShifts<T>(ModifierTiles tiles, ReadOnlySpan<double> rowCoefficients, Span<double> laneShift)
        where T : struct, ITileLanes<T>
    {
        ref double data = ref MemoryMarshal.GetArrayDataReference(tiles.Data);
        ref int tileRow = ref MemoryMarshal.GetArrayDataReference(tiles.TileRow);
        ref double coefficients = ref MemoryMarshal.GetReference(rowCoefficients);
        ref double result = ref MemoryMarshal.GetReference(laneShift);
        int[] groupStart = tiles.GroupStart;
        for (int g = 0; g < groupStart.Length - 1; g++)
        {
            T p0 = T.Zero, q0 = T.Zero, p1 = T.Zero, q1 = T.Zero, p2 = T.Zero, q2 = T.Zero, p3 = T.Zero, q3 = T.Zero;
            int t = groupStart[g];
            int end = groupStart[g + 1];
            for (; t + 3 < end; t += 4)
            {
                AddShift(ref data, ref tileRow, ref coefficients, t, ref p0, ref q0);
                AddShift(ref data, ref tileRow, ref coefficients, t + 1, ref p1, ref q1);
                AddShift(ref data, ref tileRow, ref coefficients, t + 2, ref p2, ref q2);
                AddShift(ref data, ref tileRow, ref coefficients, t + 3, ref p3, ref q3);
            }

            for (; t < end; t++)
            {
                AddShift(ref data, ref tileRow, ref coefficients, t, ref p0, ref q0);
            }

            T.Store(((p0 + p1) + (p2 + p3)) + ((q0 + q1) + (q2 + q3)), ref Unsafe.Add(ref result, g * Lanes));
        }
    }

    /// <summary>One tile of <see cref="HistoSysShifts"/>: c_p·P added to <paramref name="onP"/>, c_q·Q to <paramref name="onQ"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddShift<T>(ref double data, ref int tileRow, ref double coefficients, int t, ref T onP, ref T onQ)
        where T : struct, ITileLanes<T>
    {
        ref double c = ref Unsafe.Add(ref coefficients, 2 * Unsafe.Add(ref tileRow, t));
        ref double cell = ref Unsafe.Add(ref data, t * HistoTileSize);
        onP = T.MultiplyAdd(T.Broadcast(c), T.Load(ref cell), onP);
        onQ = T.MultiplyAdd(T.Broadcast(Unsafe.Add(ref c, 1)), T.Load(ref Unsafe.Add(ref cell, Lanes)), onQ);
    }

    /// <summary>
    /// Per row and lane, Σ over the row's tiles of P times the lane's weight and of Q times it, added to
    /// <paramref name="rowSums"/> (2 × <see cref="ModifierTiles.Lanes"/> per row: the P lanes, then the Q lanes).
    /// </summary>
    public static void HistoSysProjections<T>(ModifierTiles tiles, ReadOnlySpan<double> laneWeight, Span<double> rowSums)
        where T : struct, ITileLanes<T>
    {
        ref double data = ref MemoryMarshal.GetArrayDataReference(tiles.Data);
        ref int tileRow = ref MemoryMarshal.GetArrayDataReference(tiles.TileRow);
        ref double laneWeights = ref MemoryMarshal.GetReference(laneWeight);
        ref double sums = ref MemoryMarshal.GetReference(rowSums);
        int[] groupStart = tiles.GroupStart;
        for (int g = 0; g < groupStart.Length - 1; g++)
        {
            T weight = T.Load(ref Unsafe.Add(ref laneWeights, g * Lanes));
            int end = groupStart[g + 1];
            for (int t = groupStart[g]; t < end; t++)
            {
                ref double cell = ref Unsafe.Add(ref data, t * HistoTileSize);
                ref double onP = ref Unsafe.Add(ref sums, Unsafe.Add(ref tileRow, t) * HistoTileSize);
                ref double onQ = ref Unsafe.Add(ref onP, Lanes);
                T.Store(T.MultiplyAdd(T.Load(ref cell), weight, T.Load(ref onP)), ref onP);
                T.Store(T.MultiplyAdd(T.Load(ref Unsafe.Add(ref cell, Lanes)), weight, T.Load(ref onQ)), ref onQ);
            }
        }
    }

    /// <summary>(lane 0 + lane 2) + (lane 1 + lane 3) of a row sum: one order for every width.</summary>
    public static double LaneSum(ref double lanes) => (lanes + Unsafe.Add(ref lanes, 2)) + (Unsafe.Add(ref lanes, 1) + Unsafe.Add(ref lanes, 3));

    /// <summary>
    /// One tile of <see cref="NormSysProducts"/>: a polynomial factor multiplied into <paramref name="product"/>, or a
    /// power's exponent added to <paramref name="exponent"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T MultiplyFactor<T>(ref double data, ref double lnData, ref int tileRow, ref double values, ref NormSysMath.Piece pieces, int t, T product, ref T exponent)
        where T : struct, ITileLanes<T>
    {
        int r = Unsafe.Add(ref tileRow, t);
        ref double cell = ref Unsafe.Add(ref data, t * NormTileSize);
        NormSysMath.Piece piece = Unsafe.Add(ref pieces, r);
        T value = T.Broadcast(Unsafe.Add(ref values, r));
        if (piece == NormSysMath.Piece.Polynomial)
        {
            return T.MultiplyAdd(product, PolynomialExcess(ref cell, value), product);
        }

        exponent = T.MultiplyAdd(value, T.Load(ref Unsafe.Add(ref lnData, (t * PowerTileSize) + LnBaseField(piece))), exponent);
        return product;
    }

    /// <summary>f − 1 = Σ a_i α^i of a polynomial cell by Horner's rule: (((((a6·α + a5)·α + a4)·α + a3)·α + a2)·α + a1)·α.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T PolynomialExcess<T>(ref double cell, T alpha)
        where T : struct, ITileLanes<T>
    {
        // Written out: the JIT does not unroll the loop, and its branch costs as much as the multiply-adds.
        T x = T.MultiplyAdd(T.Load(ref Unsafe.Add(ref cell, 5 * Lanes)), alpha, T.Load(ref Unsafe.Add(ref cell, 4 * Lanes)));
        x = T.MultiplyAdd(x, alpha, T.Load(ref Unsafe.Add(ref cell, 3 * Lanes)));
        x = T.MultiplyAdd(x, alpha, T.Load(ref Unsafe.Add(ref cell, 2 * Lanes)));
        x = T.MultiplyAdd(x, alpha, T.Load(ref Unsafe.Add(ref cell, Lanes)));
        x = T.MultiplyAdd(x, alpha, T.Load(ref cell));
        return x * alpha;
    }

    /// <summary>The offset of ln hi (hi power) or ln lo (lo power) in a normsys tile's side data.</summary>
    private static int LnBaseField(NormSysMath.Piece piece) => piece == NormSysMath.Piece.High ? 0 : Lanes;
}
