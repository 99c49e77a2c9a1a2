using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NextStat.Kernels;

// Call-free forms of the vector Log and Exp for the hot loops of generated sum kernels. The checked overloads branch
// to a non-inlined per-lane path when a lane is special; a call inside an unrolled loop makes the JIT keep every
// accumulator and input in memory (all vector registers are caller-saved), which cost more than the logarithm itself.
// These forms never branch: they run the core sequence on every lane (a special lane yields an unspecified value)
// and clear the lanes of the caller's range mask whose argument was outside the core's range. The generated loop
// ANDs the masks of a whole chunk and, when any lane was out of range, recomputes that chunk with the checked
// functions. On in-range lanes the core sequence is exactly what the checked overloads run, so the result has the
// same bits either way.
public static unsafe partial class KernelMath
{
    /// <summary>
    /// <see cref="Log(Vector128{double})"/> without the special-value path: lanes outside the normal positive range
    /// get an unspecified value and clear their bits in <paramref name="inRange"/>, as do normal arguments below
    /// 1.3672·2^-1022 or above 1.3672·2^1023 (their value is right; the flag only sends them to the checked
    /// function). Called by generated kernels.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> LogUnchecked(Vector128<double> x, ref Vector128<double> inRange)
    {
        inRange &= LogRange(x);
        return LogCore(x);
    }

    /// <inheritdoc cref="LogUnchecked(Vector128{double}, ref Vector128{double})"/>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> LogUnchecked(Vector256<double> x, ref Vector256<double> inRange)
    {
        inRange &= LogRange(x);
        return LogCore(x);
    }

    /// <inheritdoc cref="LogUnchecked(Vector128{double}, ref Vector128{double})"/>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> LogUnchecked(Vector512<double> x, ref Vector512<double> inRange)
    {
        if (!Vector512.IsHardwareAccelerated)
        {
            // Two Vector256 halves, as the checked overload does where 512-bit operations are emulated.
            Vector256<double> lower = x.GetLower();
            Vector256<double> upper = x.GetUpper();
            inRange &= Vector512.Create(LogRange(lower), LogRange(upper));
            return Vector512.Create(LogCore(lower), LogCore(upper));
        }

        inRange &= LogRange(x);
        return LogCore(x);
    }

    /// <summary>
    /// <see cref="LogUnchecked(Vector128{double}, ref Vector128{double})"/> for an argument that was loaded from
    /// <paramref name="source"/>: the table offsets are computed from the doubles in memory with scalar integer
    /// operations, which is faster than moving them out of the vector. <paramref name="x"/> must hold the two doubles
    /// at <paramref name="source"/>. Called by generated kernels.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> LogUnchecked(Vector128<double> x, double* source, ref Vector128<double> inRange)
    {
        inRange &= LogRange(x);
        GatherAt(LogTable, (ulong*)source, out Vector128<double> invc, out Vector128<double> logc);
        return LogCore(x, invc, logc);
    }

    /// <inheritdoc cref="LogUnchecked(Vector128{double}, double*, ref Vector128{double})"/>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> LogUnchecked(Vector256<double> x, double* source, ref Vector256<double> inRange)
    {
        inRange &= LogRange(x);
        GatherAt(LogTable, (ulong*)source, out Vector256<double> invc, out Vector256<double> logc);
        return LogCore(x, invc, logc);
    }

    /// <inheritdoc cref="LogUnchecked(Vector128{double}, double*, ref Vector128{double})"/>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> LogUnchecked(Vector512<double> x, double* source, ref Vector512<double> inRange)
    {
        Vector256<double> lower = x.GetLower();
        Vector256<double> upper = x.GetUpper();
        GatherAt(LogTable, (ulong*)source, out Vector256<double> invcLower, out Vector256<double> logcLower);
        GatherAt(LogTable, (ulong*)source + 4, out Vector256<double> invcUpper, out Vector256<double> logcUpper);
        if (!Vector512.IsHardwareAccelerated)
        {
            inRange &= Vector512.Create(LogRange(lower), LogRange(upper));
            return Vector512.Create(LogCore(lower, invcLower, logcLower), LogCore(upper, invcUpper, logcUpper));
        }

        inRange &= LogRange(x);
        return LogCore(x, Vector512.Create(invcLower, invcUpper), Vector512.Create(logcLower, logcUpper));
    }

    /// <summary>
    /// <see cref="Exp(Vector128{double})"/> without the special-value path: lanes with |x| &gt; 708 or NaN get an
    /// unspecified value and clear their bits in <paramref name="inRange"/>. Called by generated kernels.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> ExpUnchecked(Vector128<double> x, ref Vector128<double> inRange)
    {
        inRange &= Vector128.LessThanOrEqual(Vector128.Abs(x), Vector128.Create(ExpFastLimit));
        return ExpCore(x);
    }

    /// <inheritdoc cref="ExpUnchecked(Vector128{double}, ref Vector128{double})"/>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> ExpUnchecked(Vector256<double> x, ref Vector256<double> inRange)
    {
        inRange &= Vector256.LessThanOrEqual(Vector256.Abs(x), Vector256.Create(ExpFastLimit));
        return ExpCore(x);
    }

    /// <inheritdoc cref="ExpUnchecked(Vector128{double}, ref Vector128{double})"/>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> ExpUnchecked(Vector512<double> x, ref Vector512<double> inRange)
    {
        if (!Vector512.IsHardwareAccelerated)
        {
            Vector256<double> lower = x.GetLower();
            Vector256<double> upper = x.GetUpper();
            inRange &= Vector512.Create(
                Vector256.LessThanOrEqual(Vector256.Abs(lower), Vector256.Create(ExpFastLimit)),
                Vector256.LessThanOrEqual(Vector256.Abs(upper), Vector256.Create(ExpFastLimit)));
            return Vector512.Create(ExpCore(lower), ExpCore(upper));
        }

        inRange &= Vector512.LessThanOrEqual(Vector512.Abs(x), Vector512.Create(ExpFastLimit));
        return ExpCore(x);
    }

    // All bits set on lanes whose argument LogCore handles exactly as Log does, cleared on every other lane: one signed
    // comparison of the biased bits LogCore computes anyway (the JIT shares the addition). Biased bits above
    // LogRangeFloor and below 2^63 are positive normal arguments from 1.3672·2^-1022 up to 1.3672·2^1023; zero,
    // subnormals and normal arguments below that stay at or under the floor, the largest normal arguments, +∞, NaN
    // and negative numbers turn negative or wrap around under it. Clearing a few extreme normal arguments too only
    // sends their chunk to the checked loop, which gives the same bits.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<double> LogRange(Vector128<double> x) =>
        Vector128.GreaterThan((x.AsUInt64() + Vector128.Create(LogBias)).AsInt64(), Vector128.Create(LogRangeFloor)).AsDouble();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> LogRange(Vector256<double> x) =>
        Vector256.GreaterThan((x.AsUInt64() + Vector256.Create(LogBias)).AsInt64(), Vector256.Create(LogRangeFloor)).AsDouble();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> LogRange(Vector512<double> x) =>
        Vector512.GreaterThan((x.AsUInt64() + Vector512.Create(LogBias)).AsInt64(), Vector512.Create(LogRangeFloor)).AsDouble();
}
