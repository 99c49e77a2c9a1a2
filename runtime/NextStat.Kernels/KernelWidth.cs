namespace NextStat.Kernels;

/// <summary>The vector width a generated kernel runs with.</summary>
public enum KernelWidth
{
    /// <summary>The widest width the CPU accelerates (Vector512, then Vector256, then Vector128, then scalar).</summary>
    Auto = 0,

    /// <summary>One element at a time.</summary>
    Scalar = 1,

    /// <summary>128-bit vectors (SSE, Arm NEON).</summary>
    Vector128 = 2,

    /// <summary>256-bit vectors (AVX2).</summary>
    Vector256 = 3,

    /// <summary>512-bit vectors (AVX-512); emulated as two 256-bit halves where not accelerated.</summary>
    Vector512 = 4,
}
