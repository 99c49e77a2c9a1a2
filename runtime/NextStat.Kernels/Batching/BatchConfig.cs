namespace NextStat.Kernels.Batching;

/// <summary>
/// How a streaming batch runs: how many items may be held in memory at once (the chunk, also the interval between
/// flushes to disk) and how many threads fit. Neither changes the output bytes, so neither is part of the header,
/// and a run may be resumed with other values.
/// </summary>
public sealed record BatchConfig
{
    /// <summary>Items in flight or waiting to be written at most; the output is flushed and synced after each chunk.</summary>
    public int ChunkSize
    {
        get;
        init => field = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(ChunkSize), value, "the chunk size must be at least 1");
    } = 256;

    /// <summary>Worker threads; 0 means <see cref="Environment.ProcessorCount"/>.</summary>
    public int Threads
    {
        get;
        init => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(Threads), value, "the thread count must be 0 (all cores) or positive");
    }

    /// <summary>The thread count actually used.</summary>
    public int EffectiveThreads => Threads == 0 ? Environment.ProcessorCount : Threads;

    /// <summary>
    /// A chunk size from the memory the GC says is available: a sixteenth of it divided by
    /// <paramref name="bytesPerItem"/> (one item's result and scratch), clamped to 4 items per thread … 4096. Like the
    /// plan's <c>BatchConfig::auto</c>, but the bound comes from the real budget (container limits included) instead
    /// of a fixed 10 MB per fit.
    /// </summary>
    public static BatchConfig Auto(long bytesPerItem, int threads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytesPerItem, 1);
        var probe = new BatchConfig { Threads = threads };
        GCMemoryInfo info = GC.GetGCMemoryInfo();
        long available = Math.Max(info.TotalAvailableMemoryBytes - info.MemoryLoadBytes, 64L << 20);
        return probe with { ChunkSize = ChunkSizeFor(available, bytesPerItem, probe.EffectiveThreads) };
    }

    /// <summary>The rule of <see cref="Auto"/> for a given budget, exposed so it can be checked without a machine.</summary>
    public static int ChunkSizeFor(long availableBytes, long bytesPerItem, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytesPerItem, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        long fromMemory = availableBytes / 16 / bytesPerItem;
        long lower = Math.Min(4L * threads, 4096);
        return (int)Math.Clamp(fromMemory, lower, 4096);
    }
}
