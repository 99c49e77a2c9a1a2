using NextStat.Kernels.Batching;

namespace NextStat.Kernels.Sharding;

/// <summary>How merge made sure of a shard's records.</summary>
public enum ShardCheck
{
    /// <summary>No file holds the shard.</summary>
    None,

    /// <summary>Its completion record matched the file (header, range, record count, length): copied without reading the records.</summary>
    CompletionRecord,

    /// <summary>Every record was checked (no matching completion record, or a check of every record was asked for).</summary>
    Records,
}

/// <summary>The state of one job of an array, as merge found it.</summary>
/// <param name="JobId">1-based job id.</param>
/// <param name="Range">The job's block of items.</param>
/// <param name="File">The file holding it, or <see langword="null"/> when none does.</param>
/// <param name="Records">Records of the block present in that file.</param>
/// <param name="Check">How the records were checked.</param>
public sealed record ShardStatus(int JobId, ShardRange Range, string? File, long Records, ShardCheck Check)
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
/// <remarks>
/// A shard whose <see cref="ShardCompletion"/> record matches its file is copied as bytes without reading its
/// records, so the merge costs little more than the kernel's copy whatever the record size; the others are checked
/// record by record while they are copied (see <see cref="ShardCopier"/>).
/// </remarks>
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
    /// <param name="shardFiles">The shard files.</param>
    /// <param name="outputPath">The merged file.</param>
    /// <param name="allowPartial">Write an incomplete set instead of throwing.</param>
    /// <param name="checkEveryRecord">Check every record even of shards with a matching completion record.</param>
    public static MergeReport Merge(IReadOnlyList<string> shardFiles, string outputPath, bool allowPartial, bool checkEveryRecord = false) =>
        Merge(shardFiles, outputPath, allowPartial, checkEveryRecord, ShardCopier.DefaultBlockSize);

    /// <summary><see cref="Merge(IReadOnlyList{string}, string, bool, bool)"/> reading <paramref name="blockSize"/> bytes at a time.</summary>
    internal static MergeReport Merge(IReadOnlyList<string> shardFiles, string outputPath, bool allowPartial, bool checkEveryRecord, int blockSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        ArgumentNullException.ThrowIfNull(shardFiles);
        ArgumentNullException.ThrowIfNull(outputPath);
        string outputFull = Path.GetFullPath(outputPath);

        var heads = new List<(string Path, ShardHead Head)>();
        var ignored = new List<string>();
        foreach (string path in shardFiles.Order(StringComparer.Ordinal))
        {
            if (Path.GetFullPath(path) == outputFull)
            {
                continue;
            }
            if (ShardCopier.ReadHead(path) is { } head)
            {
                heads.Add((path, head));
            }
            else
            {
                ignored.Add(path);
            }
        }
        if (heads.Count == 0)
        {
            throw new ShardConflictException(shardFiles.Count == 0
                ? "no shard files to merge"
                : $"none of the {shardFiles.Count} file(s) has a complete batch header: {string.Join(", ", shardFiles)}");
        }

        // The run most files agree on is the reference, so the odd file out is the one named in errors.
        (string referencePath, ShardHead referenceHead) = heads
            .GroupBy(s => Convert.ToBase64String(s.Head.Header.AsWholeRun().ToJsonLine()))
            .OrderByDescending(g => g.Count())
            .First()
            .First();
        BatchHeader reference = referenceHead.Header;
        int totalJobs = reference.Shard.TotalJobs;
        var byJob = new (string Path, ShardHead Head)?[totalJobs + 1];
        foreach ((string path, ShardHead head) in heads)
        {
            BatchHeader header = head.Header;
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
            byJob[header.Shard.JobId] = (path, head);
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
                        ? Copy(found.Path, found.Head, range, output, checkEveryRecord, blockSize)
                        : new ShardStatus(job, range, null, 0, ShardCheck.None);
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

    private static ShardStatus Copy(string path, ShardHead head, ShardRange range, FileStream output, bool checkEveryRecord, int blockSize)
    {
        int job = head.Header.Shard.JobId;
        if (!checkEveryRecord && ShardCompletion.TryRead(path) is { } completion
            && completion.Describes(head.Sha256, range, new FileInfo(path).Length))
        {
            ShardCopier.CopyBytes(path, head.Length, completion.Bytes, output, blockSize);
            return new ShardStatus(job, range, path, range.Count, ShardCheck.CompletionRecord);
        }
        return new ShardStatus(job, range, path, ShardCopier.CopyRecords(path, head.Header, output, blockSize), ShardCheck.Records);
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
