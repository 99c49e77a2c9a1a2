using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using NextStat.Kernels;

namespace NextStat.HistFactory;

/// <summary>
/// The four lanes of a <see cref="ModifierTiles"/> tile as one value, so that a sweep is written once and compiled
/// for each width (the JIT specialises generic methods over structs). Every implementation does the same IEEE
/// operation on each lane, fused multiply-adds included, so the sweeps give the same bits on every width.
/// </summary>
internal interface ITileLanes<TSelf>
    where TSelf : struct, ITileLanes<TSelf>
{
    static abstract TSelf Zero { get; }

    static abstract TSelf Broadcast(double value);

    static abstract TSelf Load(ref double source);

    static abstract void Store(TSelf value, ref double destination);

    static abstract TSelf operator +(TSelf a, TSelf b);

    static abstract TSelf operator *(TSelf a, TSelf b);

    static abstract TSelf operator /(TSelf a, TSelf b);

    /// <summary>a·b + c with one rounding.</summary>
    static abstract TSelf MultiplyAdd(TSelf a, TSelf b, TSelf c);

    /// <summary><see cref="KernelMath.Exp(double)"/> on each lane.</summary>
    static abstract TSelf Exp(TSelf x);
}

/// <summary>A tile as one 256-bit vector (AVX2, and the lower width for AVX-512).</summary>
internal readonly struct Lanes256(Vector256<double> value) : ITileLanes<Lanes256>
{
    private readonly Vector256<double> _value = value;

    public static Lanes256 Zero => new(Vector256<double>.Zero);

    public static Lanes256 Broadcast(double value) => new(Vector256.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 Load(ref double source) => new(Vector256.LoadUnsafe(ref source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Lanes256 value, ref double destination) => value._value.StoreUnsafe(ref destination);

    public static Lanes256 operator +(Lanes256 a, Lanes256 b) => new(a._value + b._value);

    public static Lanes256 operator *(Lanes256 a, Lanes256 b) => new(a._value * b._value);

    public static Lanes256 operator /(Lanes256 a, Lanes256 b) => new(a._value / b._value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes256 MultiplyAdd(Lanes256 a, Lanes256 b, Lanes256 c) => new(Vector256.FusedMultiplyAdd(a._value, b._value, c._value));

    public static Lanes256 Exp(Lanes256 x) => new(KernelMath.Exp(x._value));
}

/// <summary>A tile as two 128-bit vectors (SSE, Arm NEON).</summary>
internal readonly struct Lanes128(Vector128<double> low, Vector128<double> high) : ITileLanes<Lanes128>
{
    private readonly Vector128<double> _low = low;
    private readonly Vector128<double> _high = high;

    public static Lanes128 Zero => new(Vector128<double>.Zero, Vector128<double>.Zero);

    public static Lanes128 Broadcast(double value) => new(Vector128.Create(value), Vector128.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 Load(ref double source) => new(Vector128.LoadUnsafe(ref source), Vector128.LoadUnsafe(ref Unsafe.Add(ref source, 2)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Lanes128 value, ref double destination)
    {
        value._low.StoreUnsafe(ref destination);
        value._high.StoreUnsafe(ref Unsafe.Add(ref destination, 2));
    }

    public static Lanes128 operator +(Lanes128 a, Lanes128 b) => new(a._low + b._low, a._high + b._high);

    public static Lanes128 operator *(Lanes128 a, Lanes128 b) => new(a._low * b._low, a._high * b._high);

    public static Lanes128 operator /(Lanes128 a, Lanes128 b) => new(a._low / b._low, a._high / b._high);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Lanes128 MultiplyAdd(Lanes128 a, Lanes128 b, Lanes128 c) =>
        new(Vector128.FusedMultiplyAdd(a._low, b._low, c._low), Vector128.FusedMultiplyAdd(a._high, b._high, c._high));

    public static Lanes128 Exp(Lanes128 x) => new(KernelMath.Exp(x._low), KernelMath.Exp(x._high));
}

/// <summary>A tile as four scalars.</summary>
internal readonly struct LanesScalar(double l0, double l1, double l2, double l3) : ITileLanes<LanesScalar>
{
    private readonly double _l0 = l0;
    private readonly double _l1 = l1;
    private readonly double _l2 = l2;
    private readonly double _l3 = l3;

    public static LanesScalar Zero => new(0.0, 0.0, 0.0, 0.0);

    public static LanesScalar Broadcast(double value) => new(value, value, value, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesScalar Load(ref double source) => new(source, Unsafe.Add(ref source, 1), Unsafe.Add(ref source, 2), Unsafe.Add(ref source, 3));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(LanesScalar value, ref double destination)
    {
        destination = value._l0;
        Unsafe.Add(ref destination, 1) = value._l1;
        Unsafe.Add(ref destination, 2) = value._l2;
        Unsafe.Add(ref destination, 3) = value._l3;
    }

    public static LanesScalar operator +(LanesScalar a, LanesScalar b) => new(a._l0 + b._l0, a._l1 + b._l1, a._l2 + b._l2, a._l3 + b._l3);

    public static LanesScalar operator *(LanesScalar a, LanesScalar b) => new(a._l0 * b._l0, a._l1 * b._l1, a._l2 * b._l2, a._l3 * b._l3);

    public static LanesScalar operator /(LanesScalar a, LanesScalar b) => new(a._l0 / b._l0, a._l1 / b._l1, a._l2 / b._l2, a._l3 / b._l3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LanesScalar MultiplyAdd(LanesScalar a, LanesScalar b, LanesScalar c) => new(
        Math.FusedMultiplyAdd(a._l0, b._l0, c._l0),
        Math.FusedMultiplyAdd(a._l1, b._l1, c._l1),
        Math.FusedMultiplyAdd(a._l2, b._l2, c._l2),
        Math.FusedMultiplyAdd(a._l3, b._l3, c._l3));

    public static LanesScalar Exp(LanesScalar x) => new(KernelMath.Exp(x._l0), KernelMath.Exp(x._l1), KernelMath.Exp(x._l2), KernelMath.Exp(x._l3));
}
