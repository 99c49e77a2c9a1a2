using System.Text.Json;
using NextStat.Kernels.Batching;
using NextStat.Kernels.Sharding;

namespace NextStat.Cli.Tests;

/// <summary><c>nextstat merge</c> over shard files written by the batch runner with a synthetic workload.</summary>
public sealed class MergeCommandTests : IDisposable
{
    private readonly string _dir = CliHarness.TempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static BatchHeader Header(long total, int job, int jobs, ulong seed = 5) => new()
    {
        Kind = "toys",
        ToolVersion = "test",
        WorkspaceSha256 = "00",
        Measurement = "m",
        Seed = seed,
        Total = total,
        Poi = "mu",
        ParameterNames = ["mu"],
        Shard = new ShardInfo(job, jobs, ShardRange.For(total, job, jobs)),
    };

    private void Write(string name, BatchHeader header) =>
        StreamingBatchRunner.Run(Path.Combine(_dir, name), header, () => 0,
            (index, seed, _) => new BatchItemResult { Status = BatchItemStatus.Converged, TwiceNll = index, Values = [seed % 1000 / 10.0] },
            new BatchConfig { Threads = 1, ChunkSize = 4 });

    [Fact]
    public void Merges_a_complete_set_and_prints_a_summary()
    {
        for (int job = 1; job <= 3; job++)
        {
            Write($"toys_{job:D4}.jsonl", Header(10, job, 3));
        }
        Write("single.jsonl", Header(10, 1, 1));
        string merged = Path.Combine(_dir, "merged.jsonl");

        CliResult result = CliHarness.Run("merge", "--input-dir", _dir, "--output", merged);

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Equal(File.ReadAllBytes(Path.Combine(_dir, "single.jsonl")), File.ReadAllBytes(merged));
        using JsonDocument summary = JsonDocument.Parse(result.Out);
        Assert.True(summary.RootElement.GetProperty("complete").GetBoolean());
        Assert.Equal(10, summary.RootElement.GetProperty("records").GetInt64());
        Assert.Equal(3, summary.RootElement.GetProperty("shards").GetArrayLength());
        Assert.All(summary.RootElement.GetProperty("shards").EnumerateArray(),
            shard => Assert.Equal("completion_record", shard.GetProperty("checked").GetString()));

        CliResult verified = CliHarness.Run("merge", "--input-dir", _dir, "--output", merged, "--verify");
        Assert.Equal(ExitCodes.Ok, verified.ExitCode);
        Assert.Equal(File.ReadAllBytes(Path.Combine(_dir, "single.jsonl")), File.ReadAllBytes(merged));
        using JsonDocument verifiedSummary = JsonDocument.Parse(verified.Out);
        Assert.All(verifiedSummary.RootElement.GetProperty("shards").EnumerateArray(),
            shard => Assert.Equal("records", shard.GetProperty("checked").GetString()));
    }

    [Fact]
    public void An_incomplete_set_exits_3_naming_the_jobs_and_writes_nothing()
    {
        Write("toys_0001.jsonl", Header(10, 1, 3));
        Write("toys_0003.jsonl", Header(10, 3, 3));
        string merged = Path.Combine(_dir, "merged.jsonl");

        CliResult result = CliHarness.Run("merge", "--input-dir", _dir, "--output", merged);

        Assert.Equal(ExitCodes.IncompleteMerge, result.ExitCode);
        Assert.Contains("rerun job id(s) 2", result.Error);
        Assert.DoesNotContain("   at ", result.Error);
        Assert.False(File.Exists(merged));

        CliResult partial = CliHarness.Run("merge", "--input-dir", _dir, "--output", merged, "--allow-partial");
        Assert.Equal(ExitCodes.Ok, partial.ExitCode);
        Assert.Contains("partial output; rerun job id(s) 2", partial.Error);
        Assert.Equal(1 + 4 + 3, File.ReadAllLines(merged).Length); // header, jobs 1 and 3
    }

    [Fact]
    public void Shards_of_another_seed_exit_4()
    {
        Write("toys_0001.jsonl", Header(10, 1, 2));
        Write("toys_0002.jsonl", Header(10, 2, 2, seed: 6));
        CliResult result = CliHarness.Run("merge", "--input-dir", _dir, "--output", Path.Combine(_dir, "m.jsonl"));
        Assert.Equal(ExitCodes.Conflict, result.ExitCode);
        Assert.Contains("not from the same run", result.Error);
    }

    [Fact]
    public void No_matching_files_and_missing_options_are_reported()
    {
        CliResult none = CliHarness.Run("merge", "--input-dir", _dir, "--output", Path.Combine(_dir, "m.jsonl"));
        Assert.Equal(ExitCodes.IncompleteMerge, none.ExitCode);
        Assert.Contains("no files match 'toys_*.jsonl'", none.Error);

        CliResult usage = CliHarness.Run("merge", "--output", "x.jsonl");
        Assert.Equal(ExitCodes.Usage, usage.ExitCode);
        Assert.Contains("Option '--input-dir' is required", usage.Error);
    }
}
