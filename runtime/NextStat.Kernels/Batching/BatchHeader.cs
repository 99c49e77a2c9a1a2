using NextStat.Kernels.Randomness;
using System.Globalization;
using System.Text;
using System.Text.Json;
using NextStat.Kernels.Sharding;

namespace NextStat.Kernels.Batching;

/// <summary>
/// The first line of a batch output file: what was run (tool, workspace, measurement, seed, item count, options,
/// parameter names) and which block of items this file holds. Two files belong to the same run exactly when
/// everything but <see cref="Shard"/> agrees; that is what resume and merge check.
/// </summary>
/// <remarks>
/// Nothing here depends on the machine, the clock, the thread count or the chunk size, so a resumed run, a merged
/// job array and a single run write the same header bytes.
/// </remarks>
public sealed record BatchHeader
{
    /// <summary>The value of the <c>format</c> field, naming this file layout.</summary>
    public const string FormatName = "nextstat-batch";

    /// <summary>The layout version written in <c>format_version</c>.</summary>
    public const int FormatVersion = 1;

    /// <summary>What each item is, e.g. <c>toys</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>The producing tool's version; a different version may fit differently, so it is part of the run.</summary>
    public required string ToolVersion { get; init; }

    /// <summary>Lower-case hex SHA-256 of the input (workspace bytes, and patch when one is applied).</summary>
    public required string WorkspaceSha256 { get; init; }

    /// <summary>The measurement used.</summary>
    public required string Measurement { get; init; }

    /// <summary>The run's seed; item seeds derive from it and the global index (<see cref="ItemRandom.ItemKey"/>; <see cref="ItemRandom.For"/> of the same seed and index starts from it).</summary>
    public required ulong Seed { get; init; }

    /// <summary>The number of items of the whole run, over all jobs.</summary>
    public required long Total { get; init; }

    /// <summary>The parameter of interest, or <see langword="null"/> when the items have none.</summary>
    public string? Poi { get; init; }

    /// <summary>Parameter names, in the order of each record's <c>values</c> and <c>uncertainties</c>.</summary>
    public required IReadOnlyList<string> ParameterNames { get; init; }

    /// <summary>Every other setting that changes results (e.g. the POI value toys are drawn at), as text.</summary>
    public IReadOnlyDictionary<string, string> Options { get; init; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The job that wrote the file and its block of items; job 1 of 1 covering everything for a whole run.</summary>
    public required ShardInfo Shard { get; init; }

    /// <summary>The index of <see cref="Poi"/> in <see cref="ParameterNames"/>, or −1.</summary>
    public int PoiIndex => Poi is null ? -1 : IndexOfParameter(Poi);

    /// <summary>This header with the shard replaced by the whole run (job 1 of 1, every item).</summary>
    public BatchHeader AsWholeRun() => this with { Shard = ShardInfo.Whole(Total) };

    /// <summary>The header as one line of canonical JSON (UTF-8, no newline): fixed field order, sorted options.</summary>
    public byte[] ToJsonLine()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer, BatchRecordFormat.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("format", FormatName);
            w.WriteNumber("format_version", FormatVersion);
            w.WriteString("kind", Kind);
            w.WriteString("tool_version", ToolVersion);
            w.WriteString("workspace_sha256", WorkspaceSha256);
            w.WriteString("measurement", Measurement);
            w.WriteNumber("seed", Seed);
            w.WriteNumber("n", Total);
            if (Poi is null)
            {
                w.WriteNull("poi");
            }
            else
            {
                w.WriteString("poi", Poi);
            }
            w.WriteStartArray("parameters");
            foreach (string name in ParameterNames)
            {
                w.WriteStringValue(name);
            }
            w.WriteEndArray();
            w.WriteStartObject("options");
            foreach (var pair in Options.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                w.WriteString(pair.Key, pair.Value);
            }
            w.WriteEndObject();
            w.WriteStartObject("shard");
            w.WriteNumber("job_id", Shard.JobId);
            w.WriteNumber("total_jobs", Shard.TotalJobs);
            w.WriteNumber("start", Shard.Range.Start);
            w.WriteNumber("count", Shard.Range.Count);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a header line written by <see cref="ToJsonLine"/>.</summary>
    /// <param name="line">The line, without its newline.</param>
    /// <param name="source">The file it came from, for messages.</param>
    /// <exception cref="BatchFormatException">The line is not a valid header; the message names the field.</exception>
    public static BatchHeader Parse(ReadOnlySpan<byte> line, string source)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(line.ToArray());
        }
        catch (JsonException e)
        {
            throw new BatchFormatException(source, 1, $"the header is not valid JSON ({e.Message})");
        }

        using (doc)
        {
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new BatchFormatException(source, 1, "the header must be a JSON object");
            }
            string format = String(root, "format", source);
            if (format != FormatName)
            {
                throw new BatchFormatException(source, 1, $"$.format is '{format}', expected '{FormatName}' (not a batch output file)");
            }
            int version = Element(root, "format_version", JsonValueKind.Number, source).GetInt32();
            if (version != FormatVersion)
            {
                throw new BatchFormatException(source, 1, $"$.format_version {version} is not supported (this build reads {FormatVersion})");
            }

            JsonElement poi = Element(root, "poi", null, source);
            var options = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (JsonProperty option in Element(root, "options", JsonValueKind.Object, source).EnumerateObject())
            {
                options[option.Name] = option.Value.ValueKind == JsonValueKind.String
                    ? option.Value.GetString()!
                    : throw new BatchFormatException(source, 1, $"$.options.{option.Name} must be a string");
            }
            JsonElement shard = Element(root, "shard", JsonValueKind.Object, source);
            var header = new BatchHeader
            {
                Kind = String(root, "kind", source),
                ToolVersion = String(root, "tool_version", source),
                WorkspaceSha256 = String(root, "workspace_sha256", source),
                Measurement = String(root, "measurement", source),
                Seed = Element(root, "seed", JsonValueKind.Number, source).GetUInt64(),
                Total = Element(root, "n", JsonValueKind.Number, source).GetInt64(),
                Poi = poi.ValueKind == JsonValueKind.Null ? null : poi.GetString(),
                ParameterNames = Element(root, "parameters", JsonValueKind.Array, source).EnumerateArray()
                    .Select(p => p.GetString() ?? throw new BatchFormatException(source, 1, "$.parameters must hold strings"))
                    .ToArray(),
                Options = options,
                Shard = new ShardInfo(
                    Element(shard, "job_id", JsonValueKind.Number, source).GetInt32(),
                    Element(shard, "total_jobs", JsonValueKind.Number, source).GetInt32(),
                    new ShardRange(
                        Element(shard, "start", JsonValueKind.Number, source).GetInt64(),
                        Element(shard, "count", JsonValueKind.Number, source).GetInt64())),
            };
            header.Validate(source);
            return header;
        }
    }

    /// <summary>
    /// The fields in which this run differs from <paramref name="other"/>, ignoring the shard, as
    /// <c>"seed: 42 vs 43"</c> texts (this header's value first); empty when both are the same run.
    /// </summary>
    public IReadOnlyList<string> DifferencesFrom(BatchHeader other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var differences = new List<string>();
        void Compare(string field, string? mine, string? theirs)
        {
            if (!string.Equals(mine, theirs, StringComparison.Ordinal))
            {
                differences.Add($"{field}: {mine ?? "null"} vs {theirs ?? "null"}");
            }
        }

        Compare("kind", Kind, other.Kind);
        Compare("tool_version", ToolVersion, other.ToolVersion);
        Compare("workspace_sha256", WorkspaceSha256, other.WorkspaceSha256);
        Compare("measurement", Measurement, other.Measurement);
        Compare("seed", Seed.ToString(CultureInfo.InvariantCulture), other.Seed.ToString(CultureInfo.InvariantCulture));
        Compare("n", Total.ToString(CultureInfo.InvariantCulture), other.Total.ToString(CultureInfo.InvariantCulture));
        Compare("poi", Poi, other.Poi);
        Compare("parameters", string.Join(",", ParameterNames), string.Join(",", other.ParameterNames));
        foreach (string key in Options.Keys.Union(other.Options.Keys).Order(StringComparer.Ordinal))
        {
            Compare($"options.{key}", Options.GetValueOrDefault(key), other.Options.GetValueOrDefault(key));
        }
        return differences;
    }

    /// <summary>Checks internal consistency: the shard lies inside the run and the POI is a parameter.</summary>
    /// <exception cref="BatchFormatException">Inconsistent values.</exception>
    public void Validate(string source)
    {
        if (Total < 0)
        {
            throw new BatchFormatException(source, 1, $"$.n must not be negative, got {Total}");
        }
        ShardRange expected;
        try
        {
            expected = ShardRange.For(Total, Shard.JobId, Shard.TotalJobs);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new BatchFormatException(source, 1, $"$.shard is invalid: {e.Message}");
        }
        if (expected != Shard.Range)
        {
            throw new BatchFormatException(source, 1, $"$.shard range {Shard.Range} is not job {Shard.JobId} of {Shard.TotalJobs}'s block {expected} of n = {Total}");
        }
        if (Poi is not null && PoiIndex < 0)
        {
            throw new BatchFormatException(source, 1, $"$.poi '{Poi}' is not among $.parameters");
        }
    }

    private int IndexOfParameter(string name)
    {
        for (int i = 0; i < ParameterNames.Count; i++)
        {
            if (ParameterNames[i] == name)
            {
                return i;
            }
        }
        return -1;
    }

    private static JsonElement Element(JsonElement parent, string name, JsonValueKind? kind, string source)
    {
        if (!parent.TryGetProperty(name, out JsonElement value))
        {
            throw new BatchFormatException(source, 1, $"the header lacks '{name}'");
        }
        if (kind is JsonValueKind k && value.ValueKind != k)
        {
            throw new BatchFormatException(source, 1, $"header field '{name}' must be {k}, got {value.ValueKind}");
        }
        return value;
    }

    private static string String(JsonElement parent, string name, string source) =>
        Element(parent, name, JsonValueKind.String, source).GetString()!;

    /// <inheritdoc />
    public override string ToString() => Encoding.UTF8.GetString(ToJsonLine());
}

/// <summary>The job that wrote a batch file and its block of global item indices.</summary>
/// <param name="JobId">1-based job id.</param>
/// <param name="TotalJobs">Number of jobs of the array.</param>
/// <param name="Range">The job's block of items.</param>
public sealed record ShardInfo(int JobId, int TotalJobs, ShardRange Range)
{
    /// <summary>Job 1 of 1 over all <paramref name="total"/> items.</summary>
    public static ShardInfo Whole(long total) => new(1, 1, new ShardRange(0, total));
}
