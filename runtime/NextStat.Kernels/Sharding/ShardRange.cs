namespace NextStat.Kernels.Sharding;

/// <summary>
/// The contiguous block of global item indices <c>[Start, Start + Count)</c> that one job of a job array runs.
/// </summary>
/// <param name="Start">The first global index of the block.</param>
/// <param name="Count">The number of items in the block (0 when there are more jobs than items).</param>
public readonly record struct ShardRange(long Start, long Count)
{
    /// <summary>One past the last global index of the block.</summary>
    public long End => Start + Count;

    /// <summary>Whether <paramref name="index"/> lies in the block.</summary>
    public bool Contains(long index) => index >= Start && index < End;

    /// <summary>
    /// The block of job <paramref name="jobId"/> (1-based) out of <paramref name="totalJobs"/> over items
    /// <c>0 … total − 1</c>. Blocks are contiguous, in job order, and balanced: the first <c>total mod totalJobs</c>
    /// jobs take one item more than the others, so together the blocks partition the items exactly.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative total, <paramref name="totalJobs"/> below 1, or a job
    /// id outside <c>1 … totalJobs</c>.</exception>
    public static ShardRange For(long total, int jobId, int totalJobs)
    {
        if (total < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(total), total, "the item count must not be negative");
        }
        if (totalJobs < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(totalJobs), totalJobs, $"the total job count must be at least 1, got {totalJobs}");
        }
        if (jobId < 1 || jobId > totalJobs)
        {
            throw new ArgumentOutOfRangeException(nameof(jobId), jobId, $"the job id must be in 1..{totalJobs}, got {jobId}");
        }

        long perJob = total / totalJobs;
        long remainder = total % totalJobs;
        long before = jobId - 1;
        long start = before * perJob + Math.Min(before, remainder);
        long count = perJob + (before < remainder ? 1 : 0);
        return new ShardRange(start, count);
    }

    /// <summary>The 1-based job whose block (as <see cref="For"/> assigns them) holds <paramref name="index"/>.</summary>
    public static int JobOf(long index, long total, int totalJobs)
    {
        if (index < 0 || index >= total)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"the index must be in 0..{total - 1}");
        }
        if (totalJobs < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(totalJobs), totalJobs, "the total job count must be at least 1");
        }

        long perJob = total / totalJobs;
        long remainder = total % totalJobs;
        long bigBlocks = remainder * (perJob + 1);
        long job = index < bigBlocks ? index / (perJob + 1) : remainder + (index - bigBlocks) / perJob;
        return checked((int)job + 1);
    }

    /// <inheritdoc />
    public override string ToString() => $"[{Start}, {End})";
}
