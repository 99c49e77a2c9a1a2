using Xunit;
using NextStat.Kernels.Batching;
using NextStat.Kernels.Sharding;
using static NextStat.Kernels.Tests.BatchingTestSupport;

namespace NextStat.Kernels.Tests;

public sealed class MergeTests : IDisposable
{
    private readonly string _dir = TempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string[] Shards(long total, int jobs, ulong seed = 42, string prefix = "toys")
    {
        var files = new string[jobs];
        for (int job = 1; job <= jobs; job++)
        {
            files[job - 1] = Path.Combine(_dir, $"{prefix}_{job:D4}.jsonl");
            Run(files[job - 1], Header(total, seed, job, jobs), threads: 1 + job % 2, chunk: 3 + job);
        }
        return files;
    }

    [Theory]
    [InlineData(37, 4)]
    [InlineData(5, 7)]   // more jobs than items: empty shards
    [InlineData(20, 1)]
    public void Merged_shards_are_byte_identical_to_one_run(long total, int jobs)
    {
        string single = Path.Combine(_dir, "single.jsonl");
        Run(single, Header(total));
        string[] shards = Shards(total, jobs);
        string merged = Path.Combine(_dir, "merged.jsonl");

        MergeReport report = ShardMerger.Merge(shards.Reverse().ToArray(), merged, allowPartial: false);

        Assert.True(report.Complete);
        Assert.Equal(total, report.Records);
        Assert.Equal(File.ReadAllBytes(single), File.ReadAllBytes(merged));
    }

    [Fact]
    public void A_missing_shard_is_named_and_nothing_is_written()
    {
        string[] shards = Shards(30, 4);
        string merged = Path.Combine(_dir, "merged.jsonl");
        var e = Assert.Throws<IncompleteMergeException>(() => ShardMerger.Merge([shards[0], shards[1], shards[3]], merged, false));
        Assert.Equal([3], e.Report.MissingJobIds);
        Assert.Contains("rerun job id(s) 3", e.Message);
        Assert.Contains("job 3: items [16, 23) have no file", e.Message);
        Assert.False(File.Exists(merged));
    }

    [Fact]
    public void An_unfinished_shard_is_named_and_partial_output_is_allowed_on_request()
    {
        string[] shards = Shards(30, 3);
        byte[] bytes = File.ReadAllBytes(shards[1]);
        int cut = Array.IndexOf(bytes, (byte)'\n', Array.IndexOf(bytes, (byte)'\n', Array.IndexOf(bytes, (byte)'\n') + 1) + 1) + 9;
        File.WriteAllBytes(shards[1], bytes[..cut]); // header, two records, a torn third
        string merged = Path.Combine(_dir, "merged.jsonl");

        var e = Assert.Throws<IncompleteMergeException>(() => ShardMerger.Merge(shards, merged, false));
        Assert.Contains($"job 2: {shards[1]} has 2 of 10 items of [10, 20)", e.Message);

        MergeReport partial = ShardMerger.Merge(shards, merged, allowPartial: true);
        Assert.False(partial.Complete);
        Assert.Equal(22, partial.Records);
        Assert.Equal(24, Lines(merged).Length); // header + 22 records + trailing empty
    }

    [Fact]
    public void A_duplicate_shard_is_an_error()
    {
        string[] shards = Shards(30, 3);
        string copy = Path.Combine(_dir, "toys_0002_copy.jsonl");
        File.Copy(shards[1], copy);
        var e = Assert.Throws<ShardConflictException>(() => ShardMerger.Merge([.. shards, copy], Path.Combine(_dir, "m.jsonl"), false));
        Assert.Contains("job 2 appears twice", e.Message);
        Assert.Contains("toys_0002_copy.jsonl", e.Message);
    }

    [Fact]
    public void A_shard_of_another_seed_or_workspace_is_an_error()
    {
        string[] shards = Shards(30, 3);
        string otherSeed = Path.Combine(_dir, "other_0003.jsonl");
        Run(otherSeed, Header(30, seed: 7, jobId: 3, totalJobs: 3));
        var e = Assert.Throws<ShardConflictException>(() => ShardMerger.Merge([shards[0], shards[1], otherSeed], Path.Combine(_dir, "m.jsonl"), false));
        Assert.Contains("other_0003.jsonl is not from the same run", e.Message);
        Assert.Contains("seed is 7 there but 42 in the reference", e.Message);

        string otherWorkspace = Path.Combine(_dir, "ws_0003.jsonl");
        Run(otherWorkspace, Header(30, jobId: 3, totalJobs: 3, sha: "cafe"));
        e = Assert.Throws<ShardConflictException>(() => ShardMerger.Merge([shards[0], shards[1], otherWorkspace], Path.Combine(_dir, "m.jsonl"), false));
        Assert.Contains("workspace_sha256 is cafe there but ab12", e.Message);
    }

    [Fact]
    public void Shards_of_differently_split_arrays_do_not_merge()
    {
        string[] three = Shards(30, 3);
        string four = Path.Combine(_dir, "four_0004.jsonl");
        Run(four, Header(30, jobId: 4, totalJobs: 4));
        var e = Assert.Throws<ShardConflictException>(() => ShardMerger.Merge([.. three, four], Path.Combine(_dir, "m.jsonl"), false));
        Assert.Contains("differently split arrays", e.Message);
    }
}
