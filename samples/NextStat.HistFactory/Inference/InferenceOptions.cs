using NextStat.Kernels.Fitting;

namespace NextStat.HistFactory.Inference;

/// <summary>Settings shared by the inference procedures.</summary>
public sealed record InferenceOptions
{
    /// <summary>Defaults: every core, <see cref="FitOptions.Default"/>.</summary>
    public static InferenceOptions Default { get; } = new();

    /// <summary>Worker threads for procedures made of many fits; 0 means every core. Results do not depend on it.</summary>
    public int Threads
    {
        get;
        init => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(Threads), value, "must be 0 (all cores) or positive");
    }

    /// <summary>Options of every fit.</summary>
    public FitOptions Fit { get; init; } = FitOptions.Default;

    /// <summary>Progress of procedures made of many fits.</summary>
    public IProgress<FitBatchProgress>? Progress { get; init; }

    internal FitBatchOptions Batch => new() { MaxDegreeOfParallelism = Threads, Fit = Fit, Progress = Progress };

    internal int WorkerCount(int tasks) => Batch.WorkersFor(tasks);
}
