using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NextStat.Kernels;

/// <summary>
/// Neumaier-compensated addition, per lane, with one operation sequence for scalars and every vector width so that
/// compensated sums stay bitwise identical across widths. Called by generated code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class KernelAccumulator
{
    /// <summary>Adds <paramref name="x"/> to <paramref name="sum"/>, collecting the rounding error in <paramref name="compensation"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add<T>(ref T sum, ref T compensation, T x)
        where T : IFloatingPointIeee754<T>
    {
        T s = sum;
        T t = s + x;
        compensation += T.Abs(s) >= T.Abs(x) ? (s - t) + x : (x - t) + s;
        sum = t;
    }

    /// <inheritdoc cref="Add{T}(ref T, ref T, T)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add<T>(ref Vector128<T> sum, ref Vector128<T> compensation, Vector128<T> x)
    {
        Vector128<T> s = sum;
        Vector128<T> t = s + x;
        compensation += Vector128.ConditionalSelect(
            Vector128.GreaterThanOrEqual(Vector128.Abs(s), Vector128.Abs(x)), (s - t) + x, (x - t) + s);
        sum = t;
    }

    /// <inheritdoc cref="Add{T}(ref T, ref T, T)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add<T>(ref Vector256<T> sum, ref Vector256<T> compensation, Vector256<T> x)
    {
        Vector256<T> s = sum;
        Vector256<T> t = s + x;
        compensation += Vector256.ConditionalSelect(
            Vector256.GreaterThanOrEqual(Vector256.Abs(s), Vector256.Abs(x)), (s - t) + x, (x - t) + s);
        sum = t;
    }

    /// <inheritdoc cref="Add{T}(ref T, ref T, T)"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add<T>(ref Vector512<T> sum, ref Vector512<T> compensation, Vector512<T> x)
    {
        Vector512<T> s = sum;
        Vector512<T> t = s + x;
        compensation += Vector512.ConditionalSelect(
            Vector512.GreaterThanOrEqual(Vector512.Abs(s), Vector512.Abs(x)), (s - t) + x, (x - t) + s);
        sum = t;
    }
}
