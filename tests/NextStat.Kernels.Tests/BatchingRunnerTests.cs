using NextStat.Kernels.Randomness;
using Xunit;
using System.Text;
using System.Text.Json;
using NextStat.Kernels.Batching;
using NextStat.Kernels.Sharding;
using static NextStat.Kernels.Tests.BatchingTestSupport;

namespace NextStat.Kernels.Tests;

public sealed class BatchingRunnerTests : IDisposable
{
    private readonly string _dir = TempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Writes_header_then_one_record_per_item_in_index_order()
    {
        string path = Path.Combine(_dir, "toys.jsonl");
        BatchRunSummary summary = Run(path, Header(40), threads: 3, chunk: 5);

        Assert.True(summary.Completed);
        Assert.Equal(40, summary.Ran);
        Assert.Equal(4, summary.Failed);          // 5, 16, 27, 38
        Assert.Equal(5, summary.NotConverged);    // 3, 10, 17, 24, 31 (38 failed first)
        string[] lines = Lines(path);
        Assert.Equal(42, lines.Length);           // header, 40 records, empty after the last newline
        Assert.Equal("", lines[^1]);
        using (JsonDocument header = JsonDocument.Parse(lines[0]))
        {
            Assert.Equal("nextstat-batch", header.RootElement.GetProperty("format").GetString());
            Assert.Equal(40, header.RootElement.GetProperty("n").GetInt64());
            Assert.Equal("mu", header.RootElement.GetProperty("poi").GetString());
        }
        for (int i = 0; i < 40; i++)
        {
            using JsonDocument record = JsonDocument.Parse(lines[i + 1]);
            JsonElement r = record.RootElement;
            Assert.Equal(i, r.GetProperty("index").GetInt64());
            Assert.Equal(ItemRandom.ItemKey(42, i), r.GetProperty("seed").GetUInt64());
            if (i % 11 == 5)
            {
                Assert.Equal("failed", r.GetProperty("status").GetString());
                Assert.Equal($"InvalidOperationException: synthetic failure at {i}", r.GetProperty("error").GetString());
                continue;
            }
            BatchItemResult expected = Item(i, ItemRandom.ItemKey(42, i), new double[4]);
            Assert.Equal(i % 7 == 3 ? "not_converged" : "converged", r.GetProperty("status").GetString());
            Assert.Equal(expected.TwiceNll, r.GetProperty("twice_nll").GetDouble());
            Assert.Equal(expected.Values![1], r.GetProperty("poi_hat").GetDouble());
            Assert.Equal(expected.Values, r.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray());
            Assert.Equal(expected.Uncertainties, r.GetProperty("uncertainties").EnumerateArray().Select(v => v.GetDouble()).ToArray());
        }
        Assert.Equal(40, Lines(StreamingBatchRunner.TimingPath(path)).Count(l => l.StartsWith("{\"index\":", StringComparison.Ordinal)));
    }

    [Fact]
    public void Timing_lines_give_each_item_its_wall_time_and_on_linux_its_worker_cpu_time()
    {
        string path = Path.Combine(_dir, "timed.jsonl");
        // Each item spins for 2 ms of wall time: its thread runs during that time, so its CPU time is above zero.
        // (It is not bounded by the item's wall time: it also covers writing the record and taking the next index.)
        StreamingBatchRunner.Run(path, Header(6), () => 0, (i, s, _) =>
            {
                var spin = System.Diagnostics.Stopwatch.StartNew();
                while (spin.ElapsedMilliseconds < 2)
                {
                }
                return new BatchItemResult { Status = BatchItemStatus.Converged, TwiceNll = i, Values = [0, 1, 2, 3] };
            },
            new BatchConfig { Threads = 2, ChunkSize = 4 });

        string[] lines = Lines(StreamingBatchRunner.TimingPath(path)).Where(l => l.Length > 0).ToArray();
        Assert.Equal(6, lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            using JsonDocument line = JsonDocument.Parse(lines[i]);
            JsonElement root = line.RootElement;
            Assert.Equal(i, root.GetProperty("index").GetInt64());
            double wall = root.GetProperty("seconds").GetDouble();
            Assert.InRange(wall, 0.002, 10);
            if (OperatingSystem.IsLinux())
            {
                Assert.InRange(root.GetProperty("cpu_seconds").GetDouble(), double.Epsilon, 10);
            }
            else
            {
                Assert.False(root.TryGetProperty("cpu_seconds", out _));
            }
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 64)]
    [InlineData(2, 3)]
    [InlineData(4, 7)]
    public void Output_bytes_do_not_depend_on_threads_or_chunk_size(int threads, int chunk)
    {
        string reference = Path.Combine(_dir, "reference.jsonl");
        Run(reference, Header(57), threads: 2, chunk: 16);
        string other = Path.Combine(_dir, $"t{threads}c{chunk}.jsonl");
        Run(other, Header(57), threads, chunk);
        Assert.Equal(File.ReadAllBytes(reference), File.ReadAllBytes(other));
    }

    [Fact]
    public void Resume_after_a_torn_last_line_ends_byte_identical()
    {
        string reference = Path.Combine(_dir, "reference.jsonl");
        Run(reference, Header(50));
        byte[] full = File.ReadAllBytes(reference);

        // Cut the file in the middle of record 20's line, as a kill during a write would.
        int cut = NthNewline(full, 20) + 17;
        string path = Path.Combine(_dir, "resumed.jsonl");
        File.WriteAllBytes(path, full[..cut]);

        // A completion record left over from before the file changed is replaced by the run, not trusted.
        File.Copy(ShardCompletion.PathFor(reference), ShardCompletion.PathFor(path));
        BatchRunSummary summary = Run(path, Header(50), threads: 3, chunk: 4);
        Assert.Equal(19, summary.Resumed);
        Assert.Equal(31, summary.Ran);
        Assert.Equal(16, summary.DiscardedTailBytes);
        Assert.Equal(full, File.ReadAllBytes(path));
        Assert.Equal(ShardCompletion.TryRead(reference), ShardCompletion.TryRead(path));
    }

    [Fact]
    public void Resume_of_a_cut_header_and_of_a_complete_file()
    {
        string reference = Path.Combine(_dir, "reference.jsonl");
        Run(reference, Header(12));
        byte[] full = File.ReadAllBytes(reference);

        string cutHeader = Path.Combine(_dir, "cut-header.jsonl");
        File.WriteAllBytes(cutHeader, full[..30]);
        Run(cutHeader, Header(12));
        Assert.Equal(full, File.ReadAllBytes(cutHeader));

        ShardCompletion? completion = ShardCompletion.TryRead(reference);
        Assert.Equal((0L, 12L, 12L), (completion!.Start, completion.End, completion.Records));
        Assert.Equal(full.LongLength, completion.Bytes);
        BatchRunSummary again = Run(reference, Header(12));
        Assert.Equal(12, again.Resumed);
        Assert.Equal(0, again.Ran);
        Assert.Equal(full, File.ReadAllBytes(reference));
        Assert.Equal(completion, ShardCompletion.TryRead(reference));
    }

    [Fact]
    public void Cancelled_run_keeps_its_prefix_and_resumes_identically()
    {
        string reference = Path.Combine(_dir, "reference.jsonl");
        Run(reference, Header(200));

        string path = Path.Combine(_dir, "cancelled.jsonl");
        using var cts = new CancellationTokenSource();
        int calls = 0;
        Assert.ThrowsAny<OperationCanceledException>(() => StreamingBatchRunner.Run(path, Header(200), () => new double[4],
            (i, s, scratch) =>
            {
                if (Interlocked.Increment(ref calls) == 60)
                {
                    cts.Cancel();
                }
                return Item(i, s, scratch);
            },
            new BatchConfig { Threads = 2, ChunkSize = 8 }, null, cts.Token));

        BatchFileScan scan = BatchFile.Scan(path);
        Assert.InRange(scan.Records, 1, 199);
        Assert.Equal(0, scan.TornTailBytes);
        Assert.False(File.Exists(ShardCompletion.PathFor(path))); // an unfinished shard has no completion record
        BatchRunSummary resumed = Run(path, Header(200));
        Assert.Equal(scan.Records, resumed.Resumed);
        Assert.Equal(File.ReadAllBytes(reference), File.ReadAllBytes(path));
        Assert.Equal(ShardCompletion.TryRead(reference), ShardCompletion.TryRead(path));
    }

    [Theory]
    [InlineData("seed", "seed: 43 vs 42")]
    [InlineData("workspace", "workspace_sha256: ffff vs ab12")]
    [InlineData("options", "options.mu_toys: 0 vs 1")]
    [InlineData("shard", "shard: job 2/3")]
    public void A_file_of_another_run_is_an_error_and_untouched(string change, string expected)
    {
        string path = Path.Combine(_dir, "toys.jsonl");
        Run(path, Header(30));
        byte[] before = File.ReadAllBytes(path);
        BatchHeader other = change switch
        {
            "seed" => Header(30, seed: 43),
            "workspace" => Header(30, sha: "ffff"),
            "options" => Header(30) with { Options = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["mu_toys"] = "0" } },
            _ => Header(30, jobId: 2, totalJobs: 3),
        };
        var e = Assert.Throws<BatchRunMismatchException>(() => Run(path, other));
        Assert.Contains(expected, e.Message);
        Assert.Contains("left untouched", e.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_foreign_file_or_a_damaged_middle_line_is_an_error_and_untouched()
    {
        string foreign = Path.Combine(_dir, "notes.jsonl");
        File.WriteAllText(foreign, "{\"hello\":1}\n");
        Assert.Throws<BatchFormatException>(() => Run(foreign, Header(5)));
        Assert.Equal("{\"hello\":1}\n", File.ReadAllText(foreign));

        string path = Path.Combine(_dir, "damaged.jsonl");
        Run(path, Header(10));
        byte[] bytes = File.ReadAllBytes(path);
        int at = NthNewline(bytes, 4) + 3;
        bytes[at] = (byte)'#';
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<BatchFormatException>(() => Run(path, Header(10)));
        Assert.Contains(":5:", e.Message);
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public void Shard_files_hold_their_block_with_global_indices_and_seeds()
    {
        string path = Path.Combine(_dir, "toys_0002.jsonl");
        Run(path, Header(10, jobId: 2, totalJobs: 3));
        string[] lines = Lines(path);
        Assert.Equal(5, lines.Length); // header, items 4, 5, 6, empty
        Assert.Contains("\"shard\":{\"job_id\":2,\"total_jobs\":3,\"start\":4,\"count\":3}", lines[0]);
        Assert.StartsWith($"{{\"index\":4,\"seed\":{ItemRandom.ItemKey(42, 4)},", lines[1]);
    }

    [Fact]
    public void A_scratch_factory_that_throws_stops_the_batch_with_its_reason()
    {
        string path = Path.Combine(_dir, "toys.jsonl");
        var e = Assert.Throws<InvalidOperationException>(() => StreamingBatchRunner.Run<double[]>(path, Header(10),
            () => throw new InvalidDataException("model has no parameters"), Item, new BatchConfig { Threads = 2 }));
        Assert.Contains("model has no parameters", e.Message);
        Assert.Equal(0, BatchFile.Scan(path).Records);
    }

    [Fact]
    public void Auto_chunk_size_follows_the_memory_budget()
    {
        Assert.Equal(4096, BatchConfig.ChunkSizeFor(64L << 30, 1024, 2));
        Assert.Equal(1000, BatchConfig.ChunkSizeFor(16_000L * 1000, 1000, 2));
        Assert.Equal(8, BatchConfig.ChunkSizeFor(1 << 20, 1 << 20, 2));
        Assert.InRange(BatchConfig.Auto(4096, threads: 2).ChunkSize, 8, 4096);
    }

    private static int NthNewline(byte[] bytes, int n)
    {
        int found = -1;
        for (int k = 0; k < n; k++)
        {
            found = Array.IndexOf(bytes, (byte)'\n', found + 1);
        }
        return found;
    }
}
