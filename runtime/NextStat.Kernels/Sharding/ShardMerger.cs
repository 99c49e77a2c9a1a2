using NextStat.Kernels.Batching;

namespace NextStat.Kernels.Sharding;

/// <summary>The state of one job of an array, as merge found it.</summary>
/// <param name="JobId">1-based job id.</param>
/// <param name="Range">The job's block of items.</param>
/// <param name="File">The file holding it, or <see langword="null"/> when none does.</param>
/// <param name="Records">Records of the block present in that file.</param>
public sealed record ShardStatus(int JobId, ShardRange Range, string? File, long Records)
{
    /// <summary>Whether every item of the block is present.</summary>
    public bool Complete => Records == Range.Count;
}

/// <summary>What a merge did.</summary>
/// <param name="Header">The header written (the whole run).</param>
/// <param name="Shards">Every job of the array, in job order.</param>
/// <param name="Records">Records written.</param>
/// <param name="Ignored">Files without a complete header (a job that died at once), skipped.</param>
public sealed record MergeReport(BatchHeader Header, IReadOnlyList<ShardStatus> Shards, long Records, IReadOnlyList<string> Ignored)
{
    /// <summary>Jobs whose block is missing or incomplete: the ones to rerun.</summary>
    public IReadOnlyList<int> MissingJobIds => Shards.Where(s => !s.Complete).Select(s => s.JobId).ToArray();

    /// <summary>Whether every item 0 … n − 1 is present exactly once.</summary>
    public bool Complete => MissingJobIds.Count == 0;
}

/// <summary>Shard files that do not belong together (other run, duplicate job): the message names the files.</summary>
public sealed class ShardConflictException(string message) : Exception(message);

/// <summary>Some jobs' items are missing; <see cref="Report"/> names the jobs to rerun. Nothing was written.</summary>
public sealed class IncompleteMergeException(MergeReport report)
    : Exception(Describe(report))
{
    /// <summary>The merge state, with <see cref="MergeReport.MissingJobIds"/>.</summary>
    public MergeReport Report { get; } = report;

    private static string Describe(MergeReport report)
    {
        IEnumerable<string> lines = report.Shards.Where(s => !s.Complete).Select(s => s.File is null
            ? $"job {s.JobId}: items {s.Range} have no file"
            : $"job {s.JobId}: {s.File} has {s.Records} of {s.Range.Count} items of {s.Range}");
        return $"incomplete job array: {report.MissingJobIds.Count} of {report.Shards.Count} jobs missing or unfinished; " +
               $"rerun job id(s) {string.Join(",", report.MissingJobIds)} (a rerun resumes an unfinished file). " +
               string.Join("; ", lines);
    }
}

/// <summary>
/// Merges the files of a job array into one file sorted by global index, byte-identical to what a single run
/// writes: the headers must describe the same run, every job must appear once, every index 0 … n − 1 exactly once.
/// </summary>
public static class ShardMerger
{
    /// <summary>
    /// Checks <paramref name="shardFiles"/> and writes <paramref name="outputPath"/> (through a temporary file and a
    /// rename, so a failed merge leaves nothing half-written). With <paramref name="allowPartial"/> an incomplete set
    /// is written with its gaps (for a look at the data, not for resuming); otherwise it throws.
    /// </summary>
    /// <exception cref="ShardConflictException">Headers disagree, a job appears twice, or no file has a header.</exception>
    /// <exception cref="IncompleteMergeException">Jobs are missing and <paramref name="allowPartial"/> is false.</exception>
    /// <exception cref="BatchFormatException">A file is damaged beyond a torn last line.</exception>
    public static MergeReport Merge(IReadOnlyList<string> shardFiles, string outputPath, bool allowPartial) =>
        Merge(shardFiles, outputPath, allowPartial, ShardCopier.DefaultBlockSize);

    /// <summary><see cref="Merge(IReadOnlyList{string}, string, bool)"/> reading <paramref name="blockSize"/> bytes at a time.</summary>
    internal static MergeReport Merge(IReadOnlyList<string> shardFiles, string outputPath, bool allowPartial, int blockSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        ArgumentNullException.ThrowIfNull(shardFiles);
        ArgumentNullException.ThrowIfNull(outputPath);
        string outputFull = Path.GetFullPath(outputPath);

        var headers = new List<(string Path, BatchHeader Header)>();
        var ignored = new List<string>();
        foreach (string path in shardFiles.Order(StringComparer.Ordinal))
        {
            if (Path.GetFullPath(path) == outputFull)
            {
                continue;
            }
            if (ShardCopier.ReadHeader(path) is { } header)
            {
                headers.Add((path, header));
            }
            else
            {
                ignored.Add(path);
            }
        }
        if (headers.Count == 0)
        {
            throw new ShardConflictException(shardFiles.Count == 0
                ? "no shard files to merge"
                : $"none of the {shardFiles.Count} file(s) has a complete batch header: {string.Join(", ", shardFiles)}");
        }

        // The run most files agree on is the reference, so the odd file out is the one named in errors.
        (string referencePath, BatchHeader reference) = headers
            .GroupBy(s => Convert.ToBase64String(s.Header.AsWholeRun().ToJsonLine()))
            .OrderByDescending(g => g.Count())
            .First()
            .First();
        int totalJobs = reference.Shard.TotalJobs;
        var byJob = new (string Path, BatchHeader Header)?[totalJobs + 1];
        foreach ((string path, BatchHeader header) in headers)
        {
            IReadOnlyList<string> differences = reference.DifferencesFrom(header);
            if (differences.Count > 0)
            {
                throw new ShardConflictException(
                    $"{path} is not from the same run as {referencePath}: " + string.Join("; ", differences.Select(d => Swap(d))));
            }
            if (header.Shard.TotalJobs != totalJobs)
            {
                throw new ShardConflictException(
                    $"{path} is job {header.Shard.JobId} of {header.Shard.TotalJobs} but {referencePath} is job {reference.Shard.JobId} of {totalJobs}: shards of differently split arrays do not merge");
            }
            if (byJob[header.Shard.JobId] is { } earlier)
            {
                throw new ShardConflictException(
                    $"job {header.Shard.JobId} appears twice: {earlier.Path} and {path} (duplicate shard; keep one)");
            }
            byJob[header.Shard.JobId] = (path, header);
        }

        BatchHeader whole = reference.AsWholeRun();
        var shards = new ShardStatus[totalJobs];
        MergeReport report;
        string? directory = Path.GetDirectoryName(outputFull);
        string temporary = Path.Combine(directory ?? ".", $".{Path.GetFileName(outputFull)}.{Environment.ProcessId}.partial");
        try
        {
            // One pass: each shard is checked while it is copied; the temporary file is dropped if the set is not
            // complete (or a shard is damaged), so the output appears only after every check passed.
            using (var output = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                output.Write([.. whole.ToJsonLine(), (byte)'\n']);
                for (int job = 1; job <= totalJobs; job++)
                {
                    ShardRange range = ShardRange.For(reference.Total, job, totalJobs);
                    shards[job - 1] = byJob[job] is { } found
                        ? new ShardStatus(job, range, found.Path, ShardCopier.CopyRecords(found.Path, found.Header, output, blockSize))
                        : new ShardStatus(job, range, null, 0);
                }
                report = new MergeReport(whole, shards, shards.Sum(s => s.Records), ignored);
                if (!report.Complete && !allowPartial)
                {
                    throw new IncompleteMergeException(report);
                }
                output.Flush(flushToDisk: true);
            }
            File.Move(temporary, outputFull, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
        return report;
    }

    // DifferencesFrom reads "reference vs other"; messages name the offending file first.
    private static string Swap(string difference)
    {
        int colon = difference.IndexOf(": ", StringComparison.Ordinal);
        int vs = difference.LastIndexOf(" vs ", StringComparison.Ordinal);
        return colon < 0 || vs < colon
            ? difference
            : $"{difference[..colon]} is {difference[(vs + 4)..]} there but {difference[(colon + 2)..vs]} in the reference";
    }
}
