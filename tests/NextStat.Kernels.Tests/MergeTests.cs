using System.Text;
using FsCheck.Xunit;
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
    [InlineData(37, 4, false)]
    [InlineData(37, 4, true)]
    [InlineData(5, 7, false)]   // more jobs than items: empty shards
    [InlineData(20, 1, true)]
    public void Merged_shards_are_byte_identical_to_one_run(long total, int jobs, bool checkEveryRecord)
    {
        string single = Path.Combine(_dir, "single.jsonl");
        Run(single, Header(total));
        string[] shards = Shards(total, jobs);
        string merged = Path.Combine(_dir, "merged.jsonl");

        MergeReport report = ShardMerger.Merge(shards.Reverse().ToArray(), merged, allowPartial: false, checkEveryRecord);

        Assert.True(report.Complete);
        Assert.Equal(total, report.Records);
        Assert.Equal(File.ReadAllBytes(single), File.ReadAllBytes(merged));
        Assert.All(report.Shards, s => Assert.Equal(checkEveryRecord ? ShardCheck.Records : ShardCheck.CompletionRecord, s.Check));
    }

    [Fact]
    public void A_completed_shard_has_a_completion_record_that_describes_its_file()
    {
        string[] shards = Shards(30, 3);
        byte[] bytes = File.ReadAllBytes(shards[1]);
        int headerEnd = Array.IndexOf(bytes, (byte)'\n');

        ShardCompletion? completion = ShardCompletion.TryRead(shards[1]);

        Assert.NotNull(completion);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes.AsSpan(0, headerEnd))), completion.HeaderSha256);
        Assert.Equal((10, 20, 10, bytes.LongLength), (completion.Start, completion.End, completion.Records, completion.Bytes));
        Assert.Equal(shards[1] + ".done", ShardCompletion.PathFor(shards[1]));
    }

    [Theory]
    [InlineData("garbage")]        // not JSON: a torn or foreign file
    [InlineData("other-shard")]    // the completion record of another job's file
    [InlineData("other-version")]  // a format this build does not know
    public void A_completion_record_that_does_not_match_its_file_means_every_record_is_checked(string kind)
    {
        string single = Path.Combine(_dir, "single.jsonl");
        Run(single, Header(30));
        string[] shards = Shards(30, 3);
        string done = ShardCompletion.PathFor(shards[1]);
        switch (kind)
        {
            case "garbage":
                File.WriteAllBytes(done, [0x7B, 0, 0, 0x22]);
                break;
            case "other-shard":
                File.Copy(ShardCompletion.PathFor(shards[2]), done, overwrite: true);
                break;
            default:
                File.WriteAllText(done, File.ReadAllText(done).Replace("\"version\":1", "\"version\":2", StringComparison.Ordinal));
                break;
        }
        string merged = Path.Combine(_dir, "merged.jsonl");

        MergeReport report = ShardMerger.Merge(shards, merged, allowPartial: false);

        Assert.Equal([ShardCheck.CompletionRecord, ShardCheck.Records, ShardCheck.CompletionRecord], report.Shards.Select(s => s.Check));
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

    [Property(MaxTest = 30)]
    public void Merging_reads_any_block_size_and_gives_the_bytes_of_one_run(byte totalSeed, byte jobsSeed, ushort blockSeed)
    {
        long total = 1 + totalSeed % 60;
        int jobs = 1 + jobsSeed % 6;
        int block = 1 + blockSeed % 700; // records here are ~200 bytes: blocks end inside lines, lines outgrow blocks
        string dir = Path.Combine(_dir, $"p{total}_{jobs}_{block}");
        Directory.CreateDirectory(dir);
        string single = Path.Combine(dir, "single.jsonl");
        Run(single, Header(total));
        var shards = new string[jobs];
        for (int job = 1; job <= jobs; job++)
        {
            shards[job - 1] = Path.Combine(dir, $"toys_{job:D4}.jsonl");
            Run(shards[job - 1], Header(total, jobId: job, totalJobs: jobs));
        }
        string merged = Path.Combine(dir, "merged.jsonl");

        MergeReport report = ShardMerger.Merge(shards, merged, allowPartial: false, checkEveryRecord: true, block);

        Assert.Equal(total, report.Records);
        Assert.Equal(File.ReadAllBytes(single), File.ReadAllBytes(merged));
    }

    // Damage a crash can leave comes without a completion record (it is written after the final fsync), so these
    // run once without one and once with the record kept and every record checked (merge --verify).
    [Theory]
    [InlineData("zeros", "is not valid JSON", false)]            // a crash left a zero-filled block inside the file
    [InlineData("zeros", "is not valid JSON", true)]
    [InlineData("cut", "is not valid JSON", false)]              // a line cut short with more lines after it
    [InlineData("glued", "is not valid JSON", true)]             // a cut line with a whole record appended to it
    [InlineData("duplicate", "index 12 where 13 was expected", false)]
    [InlineData("other-seed", "but the header's seed gives", true)]
    [InlineData("reordered", "not as the batch runner writes it", false)]
    [InlineData("reordered", "not as the batch runner writes it", true)]
    [InlineData("crlf", "not as the batch runner writes it", false)]
    public void A_damaged_record_names_its_file_and_line_and_nothing_is_written(string damage, string message, bool verify)
    {
        string[] shards = Shards(30, 3);
        byte[][] lines = RecordLines(shards[1]); // items [10, 20): line 5 holds item 13
        byte[] line = lines[4];
        lines[4] = damage switch
        {
            "zeros" => [.. line[..40], .. new byte[40], .. line[80..]],
            "cut" => line[..100],
            "glued" => [.. line[..60], .. line],
            "duplicate" => lines[3],
            "other-seed" => OtherSeedRecord(13),
            "reordered" => Reordered(line),
            "crlf" => [.. line, (byte)'\r'],
            _ => throw new ArgumentOutOfRangeException(nameof(damage)),
        };
        WriteLines(shards[1], lines);
        if (!verify)
        {
            ShardCompletion.Delete(shards[1]);
        }
        string merged = Path.Combine(_dir, "merged.jsonl");

        var e = Assert.Throws<BatchFormatException>(() => ShardMerger.Merge(shards, merged, allowPartial: true, verify));

        Assert.Equal(shards[1], e.Path);
        Assert.Equal(5, e.Line);
        Assert.StartsWith($"{shards[1]}:5: ", e.Message);
        Assert.Contains(message, e.Message);
        Assert.Empty(Directory.GetFiles(_dir, "*merged*", SearchOption.AllDirectories)); // no output, no temporary left
    }

    [Fact]
    public void Non_ascii_text_in_a_record_is_copied_and_invalid_utf8_is_named()
    {
        string[] shards = Shards(30, 3);
        byte[][] lines = RecordLines(shards[1]); // items [10, 20): line 8 holds item 16, a failed item with a message
        string failed = Encoding.UTF8.GetString(lines[7]);
        Assert.Contains("synthetic failure at 16", failed);
        lines[7] = Encoding.UTF8.GetBytes(failed.Replace("synthetic", "synthétique", StringComparison.Ordinal));
        WriteLines(shards[1], lines);
        string merged = Path.Combine(_dir, "merged.jsonl");

        Assert.Equal(30, ShardMerger.Merge(shards, merged, allowPartial: false).Records);
        Assert.Contains("synthétique failure at 16", File.ReadAllText(merged));

        // A byte that is not UTF-8 inside the message (which a JSON reader skipping the value does not notice).
        lines[7] = [.. lines[7][..^3], 0xFF, .. lines[7][^2..]];
        WriteLines(shards[1], lines);
        File.Delete(merged);
        var e = Assert.Throws<BatchFormatException>(() => ShardMerger.Merge(shards, merged, allowPartial: false));
        Assert.Equal(8, e.Line);
        Assert.Contains("record 16 is not as the batch runner writes it", e.Message);
        Assert.False(File.Exists(merged));
    }

    [Fact]
    public void A_damaged_last_record_is_a_torn_tail_and_is_not_copied()
    {
        string[] shards = Shards(30, 3);
        string single = Path.Combine(_dir, "single.jsonl");
        Run(single, Header(30));
        byte[][] lines = RecordLines(shards[2]); // items [20, 30): the last line holds item 29
        lines[^1] = new byte[lines[^1].Length]; // zero-filled, as a crash during the last write leaves it
        WriteLines(shards[2], lines);
        ShardCompletion.Delete(shards[2]);      // that crash came before the job could write its completion record
        string merged = Path.Combine(_dir, "merged.jsonl");

        var e = Assert.Throws<IncompleteMergeException>(() => ShardMerger.Merge(shards, merged, allowPartial: false));
        Assert.Contains($"job 3: {shards[2]} has 9 of 10 items of [20, 30)", e.Message);
        Assert.False(File.Exists(merged));

        MergeReport partial = ShardMerger.Merge(shards, merged, allowPartial: true);
        Assert.Equal(29, partial.Records);
        Assert.Equal(Lines(single)[..^2], Lines(merged)[..^1]); // every line of the single run but item 29's
    }

    [Fact]
    public void A_record_beyond_the_shard_is_an_error()
    {
        string[] shards = Shards(30, 3);
        string single = Path.Combine(_dir, "single.jsonl");
        Run(single, Header(30));
        byte[][] lines = RecordLines(shards[0]); // items [0, 10)
        WriteLines(shards[0], [.. lines, RecordLines(single)[10]]);

        var e = Assert.Throws<BatchFormatException>(() => ShardMerger.Merge(shards, Path.Combine(_dir, "m.jsonl"), false));

        Assert.Equal(12, e.Line);
        Assert.Contains("more records than the shard's 10 items of [0, 10)", e.Message);
    }

    // Lines 1, 2, … of a file (header first), without their newlines.
    private static byte[][] RecordLines(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal((byte)'\n', bytes[^1]);
        var lines = new List<byte[]>();
        for (int start = 0; start < bytes.Length;)
        {
            int end = Array.IndexOf(bytes, (byte)'\n', start);
            lines.Add(bytes[start..end]);
            start = end + 1;
        }
        return [.. lines];
    }

    private static void WriteLines(string path, IEnumerable<byte[]> lines) =>
        File.WriteAllBytes(path, [.. lines.SelectMany(l => l.Append((byte)'\n'))]);

    private byte[] OtherSeedRecord(long index)
    {
        string other = Path.Combine(_dir, "other-seed.jsonl");
        Run(other, Header(30, seed: 7));
        byte[] line = RecordLines(other)[index + 1];
        File.Delete(other);
        return line;
    }

    // The same record with "seed" before "index": valid JSON, but not the bytes a single run writes.
    private static byte[] Reordered(byte[] line)
    {
        string text = Encoding.UTF8.GetString(line);
        int seedAt = text.IndexOf(",\"seed\":", StringComparison.Ordinal);
        int statusAt = text.IndexOf(",\"status\":", StringComparison.Ordinal);
        string index = text[1..seedAt];
        string seed = text[(seedAt + 1)..statusAt];
        return Encoding.UTF8.GetBytes("{" + seed + "," + index + text[statusAt..]);
    }
}
