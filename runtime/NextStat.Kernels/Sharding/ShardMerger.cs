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
    public static MergeReport Merge(IReadOnlyList<string> shardFiles, string outputPath, bool allowPartial)
    {
        ArgumentNullException.ThrowIfNull(shardFiles);
        ArgumentNullException.ThrowIfNull(outputPath);
        string outputFull = Path.GetFullPath(outputPath);

        var scans = new List<(string Path, BatchFileScan Scan)>();
        var ignored = new List<string>();
        foreach (string path in shardFiles.Order(StringComparer.Ordinal))
        {
            if (Path.GetFullPath(path) == outputFull)
            {
                continue;
            }
            BatchFileScan scan = BatchFile.Scan(path);
            if (scan.Header is null)
            {
                ignored.Add(path);
            }
            else
            {
                scans.Add((path, scan));
            }
        }
        if (scans.Count == 0)
        {
            throw new ShardConflictException(shardFiles.Count == 0
                ? "no shard files to merge"
                : $"none of the {shardFiles.Count} file(s) has a complete batch header: {string.Join(", ", shardFiles)}");
        }

        // The run most files agree on is the reference, so the odd file out is the one named in errors.
        (string referencePath, BatchFileScan referenceScan) = scans
            .GroupBy(s => Convert.ToBase64String(s.Scan.Header!.AsWholeRun().ToJsonLine()))
            .OrderByDescending(g => g.Count())
            .First()
            .First();
        BatchHeader reference = referenceScan.Header!;
        int totalJobs = reference.Shard.TotalJobs;
        var byJob = new (string Path, BatchFileScan Scan)?[totalJobs + 1];
        foreach ((string path, BatchFileScan scan) in scans)
        {
            BatchHeader header = scan.Header!;
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
            byJob[header.Shard.JobId] = (path, scan);
        }

        var shards = new ShardStatus[totalJobs];
        for (int job = 1; job <= totalJobs; job++)
        {
            ShardRange range = ShardRange.For(reference.Total, job, totalJobs);
            shards[job - 1] = byJob[job] is { } found
                ? new ShardStatus(job, range, found.Path, found.Scan.Records)
                : new ShardStatus(job, range, null, 0);
        }
        BatchHeader whole = reference.AsWholeRun();
        long present = shards.Sum(s => s.Records);
        var report = new MergeReport(whole, shards, present, ignored);
        if (!report.Complete && !allowPartial)
        {
            throw new IncompleteMergeException(report);
        }

        Write(outputFull, whole, shards);
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

    private static void Write(string outputPath, BatchHeader header, IReadOnlyList<ShardStatus> shards)
    {
        string? directory = Path.GetDirectoryName(outputPath);
        string temporary = Path.Combine(directory ?? ".", $".{Path.GetFileName(outputPath)}.{Environment.ProcessId}.partial");
        try
        {
            using (var output = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                output.Write(header.ToJsonLine());
                output.WriteByte((byte)'\n');
                foreach (ShardStatus shard in shards)
                {
                    if (shard.File is null || shard.Records == 0)
                    {
                        continue;
                    }
                    // Verbatim copy of the first Records lines after the header: the bytes a single run writes.
                    using var input = new FileStream(shard.File, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
                    var lines = new BatchFile.LineReader(input);
                    lines.Next(out _, out _);
                    for (long k = 0; k < shard.Records; k++)
                    {
                        lines.Next(out ReadOnlySpan<byte> line, out _);
                        output.Write(line);
                        output.WriteByte((byte)'\n');
                    }
                }
                output.Flush(flushToDisk: true);
            }
            File.Move(temporary, outputPath, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }
}
