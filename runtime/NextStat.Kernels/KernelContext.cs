namespace NextStat.Kernels;

/// <summary>
/// Per-call execution settings of generated kernels: the width, the threads a reduction may use, the size from which
/// it goes parallel, and compensated summation. Pass one to a kernel's optional last parameter; nothing here is
/// process-global.
/// </summary>
public sealed class KernelContext
{
    /// <summary>Dispatch to the widest accelerated width, use every core above the threshold.</summary>
    public static KernelContext Default { get; } = new();

    /// <summary>The same settings as <see cref="Default"/>, on the calling thread only.</summary>
    public static KernelContext SingleThreaded { get; } = new() { MaxDegreeOfParallelism = 1 };

    /// <summary>The width to run; <see cref="KernelWidth.Auto"/> picks the widest accelerated one.</summary>
    public KernelWidth Width { get; init; } = KernelWidth.Auto;

    /// <summary>The most threads a reduction uses; 0 means <see cref="Environment.ProcessorCount"/>.</summary>
    public int MaxDegreeOfParallelism
    {
        get;
        init => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxDegreeOfParallelism), value, "must be 0 (all cores) or positive");
    }

    /// <summary>The element count from which a reduction runs in parallel; smaller inputs stay on the calling thread.</summary>
    public int ParallelThreshold
    {
        get;
        init => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(ParallelThreshold), value, "must not be negative");
    } = 32_768;

    /// <summary>Accumulate sums with Neumaier compensation (slower, more accurate for long ill-conditioned sums).</summary>
    public bool Compensated { get; init; }

    /// <summary>The thread count a reduction of <paramref name="length"/> elements uses.</summary>
    public int ThreadsFor(int length)
    {
        if (length < ParallelThreshold)
        {
            return 1;
        }

        return MaxDegreeOfParallelism == 0 ? Environment.ProcessorCount : MaxDegreeOfParallelism;
    }
}
