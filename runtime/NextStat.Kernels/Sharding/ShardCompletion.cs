using System.Text.Json;

namespace NextStat.Kernels.Sharding;

/// <summary>
/// What a batch writes next to its output (<c>&lt;output&gt;.done</c>) once every item of its shard is in the file
/// and the file is synced: which header the file starts with (SHA-256 of that line), the index range, the record
/// count and the byte length. Merge copies a shard whose completion record matches the file without reading its
/// records; a shard without one (its job was killed or is still running) or whose file no longer matches it is
/// checked record by record.
/// </summary>
/// <remarks>
/// The records file itself carries nothing extra, so a merged output stays byte-identical to a single run. The record
/// is written only after the output's final fsync, through a synced temporary file and a rename, so a crash never
/// leaves a completion record beside records that did not reach the disk. It does not guard against a completed file
/// edited in place to the same length afterwards; <c>merge --verify</c> checks every record regardless.
/// </remarks>
/// <param name="HeaderSha256">SHA-256 of the file's header line (without its newline), lower-case hex.</param>
/// <param name="Start">First global index of the shard.</param>
/// <param name="End">One past the last global index.</param>
/// <param name="Records">Records in the file (the shard's item count).</param>
/// <param name="Bytes">Length of the file: header line and records.</param>
public sealed record ShardCompletion(string HeaderSha256, long Start, long End, long Records, long Bytes)
{
    private const string FormatName = "nextstat-shard-completion";
    private const int FormatVersion = 1;

    /// <summary>Where the completion record of the batch output <paramref name="outputPath"/> lives.</summary>
    public static string PathFor(string outputPath) => outputPath + ".done";

    /// <summary>Whether this record describes a file whose first line hashes to <paramref name="headerSha256"/>, that holds every item of <paramref name="range"/> and is <paramref name="bytes"/> long.</summary>
    public bool Describes(string headerSha256, ShardRange range, long bytes) =>
        HeaderSha256 == headerSha256 && Start == range.Start && End == range.End && Records == range.Count && Bytes == bytes;

    /// <summary>
    /// The completion record of <paramref name="outputPath"/>, or <see langword="null"/> when there is none or it
    /// cannot be read as one (a torn or foreign file): either way the shard is then checked record by record.
    /// </summary>
    public static ShardCompletion? TryRead(string outputPath)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(PathFor(outputPath));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        try
        {
            using JsonDocument document = JsonDocument.Parse(bytes);
            JsonElement root = document.RootElement;
            if (root.GetProperty("format").GetString() != FormatName || root.GetProperty("version").GetInt32() != FormatVersion)
            {
                return null;
            }
            return new ShardCompletion(
                root.GetProperty("header_sha256").GetString() ?? "",
                root.GetProperty("start").GetInt64(),
                root.GetProperty("end").GetInt64(),
                root.GetProperty("records").GetInt64(),
                root.GetProperty("bytes").GetInt64());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    /// <summary>Writes this record for <paramref name="outputPath"/>: synced temporary file, then a rename over any old one.</summary>
    public void Write(string outputPath)
    {
        string target = PathFor(outputPath);
        string temporary = $"{target}.{Environment.ProcessId}.partial";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            using (var json = new Utf8JsonWriter(file))
            {
                json.WriteStartObject();
                json.WriteString("format", FormatName);
                json.WriteNumber("version", FormatVersion);
                json.WriteString("header_sha256", HeaderSha256);
                json.WriteNumber("start", Start);
                json.WriteNumber("end", End);
                json.WriteNumber("records", Records);
                json.WriteNumber("bytes", Bytes);
                json.WriteEndObject();
            }
            file.WriteByte((byte)'\n');
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, target, overwrite: true);
    }

    /// <summary>Removes the completion record of <paramref name="outputPath"/>, if any: the file is about to change.</summary>
    public static void Delete(string outputPath) => File.Delete(PathFor(outputPath));
}
