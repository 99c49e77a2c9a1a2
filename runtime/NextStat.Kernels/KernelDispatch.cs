using System.Runtime.Intrinsics;

namespace NextStat.Kernels;

/// <summary>Turns a requested <see cref="KernelWidth"/> into the width a kernel actually runs with.</summary>
public static class KernelDispatch
{
    /// <summary>
    /// The widest width this CPU accelerates: Vector512, then Vector256, then Vector128, else scalar. Evaluated once:
    /// the answers are JIT-time constants, so dispatch costs one comparison per call.
    /// </summary>
    public static KernelWidth Widest { get; } =
        Vector512.IsHardwareAccelerated ? KernelWidth.Vector512
        : Vector256.IsHardwareAccelerated ? KernelWidth.Vector256
        : Vector128.IsHardwareAccelerated ? KernelWidth.Vector128
        : KernelWidth.Scalar;

    /// <summary>
    /// <see cref="KernelWidth.Auto"/> becomes <see cref="Widest"/>; a forced width is returned unchanged and runs even
    /// where the CPU does not accelerate it (the vector types then run in software, with the same results), so tests
    /// and benchmarks can exercise every width on any machine.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="width"/> is not a defined value.</exception>
    public static KernelWidth Resolve(KernelWidth width) => width switch
    {
        KernelWidth.Auto => Widest,
        KernelWidth.Scalar or KernelWidth.Vector128 or KernelWidth.Vector256 or KernelWidth.Vector512 => width,
        _ => throw new ArgumentOutOfRangeException(nameof(width), width, "not a defined KernelWidth"),
    };
}
