using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NextStat.Kernels;

/// <summary>
/// The elementary functions generated kernels call. Every overload runs one algorithm, so a lane of any width and the
/// scalar form give the same bits: that is what keeps kernels bitwise identical across widths.
/// </summary>
public static class KernelMath
{
    /// <summary>Natural logarithm; the scalar form of the vector algorithm.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Log(double x) => Vector128.Log(Vector128.CreateScalarUnsafe(x)).ToScalar();

    /// <summary>Natural logarithm per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Log(Vector128<double> x) => Vector128.Log(x);

    /// <summary>Natural logarithm per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Log(Vector256<double> x) => Vector256.Log(x);

    /// <summary>Natural logarithm per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Log(Vector512<double> x) => Vector512.Log(x);

    /// <summary>Exponential; the scalar form of the vector algorithm.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Exp(double x) => Vector128.Exp(Vector128.CreateScalarUnsafe(x)).ToScalar();

    /// <summary>Exponential per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Exp(Vector128<double> x) => Vector128.Exp(x);

    /// <summary>Exponential per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Exp(Vector256<double> x) => Vector256.Exp(x);

    /// <summary>Exponential per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Exp(Vector512<double> x) => Vector512.Exp(x);
}
