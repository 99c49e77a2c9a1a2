using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace NextStat.HistFactory;

/// <summary>
/// A validated pyhf JSON workspace (schema 1.0.0). Loading checks everything a model needs (bin counts, observations,
/// yields, modifier payloads, names), so that <see cref="HistFactoryModel.Build"/> only fails on measurement-level
/// problems. Instances are immutable; <see cref="ApplyPatch"/> returns a new workspace.
/// </summary>
public sealed class Workspace
{
    private static readonly HashSet<string> KnownModifierTypes = new(StringComparer.Ordinal)
    {
        ModifierTypes.HistoSys, ModifierTypes.Lumi, ModifierTypes.NormFactor, ModifierTypes.NormSys,
        ModifierTypes.ShapeFactor, ModifierTypes.ShapeSys, ModifierTypes.StatError,
    };

    // Only patches, digests and ToJsonNode need the tree; a workspace loaded from its bytes builds it when one asks.
    private readonly Lazy<JsonNode> _document;

    private Workspace(WorkspaceSpec spec, Lazy<JsonNode> document, string sourceName)
    {
        Spec = spec;
        _document = document;
        SourceName = sourceName;
    }

    /// <summary>The records as read from the JSON.</summary>
    public WorkspaceSpec Spec { get; }

    /// <summary>The file name or label used in error messages.</summary>
    public string SourceName { get; }

    /// <summary>The channel names in pyhf's order (sorted ordinally); main data is laid out in this order.</summary>
    public IReadOnlyList<string> ChannelNames => [.. Spec.Channels.Select(c => c.Name).Order(StringComparer.Ordinal)];

    /// <summary>The measurement names in file order; the first is the default.</summary>
    public IReadOnlyList<string> MeasurementNames => [.. Spec.Measurements.Select(m => m.Name)];

    /// <summary>Reads and validates a workspace file.</summary>
    /// <exception cref="WorkspaceException">The file is not valid JSON or not a valid workspace.</exception>
    public static Workspace Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return FromUtf8(Read(path, "workspace", File.ReadAllBytes), path);
    }

    /// <summary>Parses and validates workspace JSON; <paramref name="sourceName"/> labels error messages.</summary>
    /// <exception cref="WorkspaceException">The text is not valid JSON or not a valid workspace.</exception>
    public static Workspace Parse(string json, string sourceName = "workspace")
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(sourceName);
        return FromUtf8(Encoding.UTF8.GetBytes(json), sourceName);
    }

    /// <summary>Applies an RFC 6902 patch (for example a HEPData signal patch) and validates the result.</summary>
    /// <exception cref="WorkspaceException">The patch does not apply or the result is not a valid workspace.</exception>
    public Workspace ApplyPatch(JsonPatch patch)
    {
        ArgumentNullException.ThrowIfNull(patch);
        JsonNode patched = patch.Apply(_document.Value, SourceName);
        return FromDocument(patched, $"{SourceName} + {patch.Name}");
    }

    /// <summary>pyhf's digest of this workspace (<see cref="PyhfDigest"/>), the value patch sets record in <c>metadata.digests</c>.</summary>
    /// <exception cref="ArgumentException">The algorithm is not one of <see cref="PyhfDigest.Algorithms"/>.</exception>
    public string Digest(string algorithm = "sha256") => PyhfDigest.Compute(_document.Value, algorithm);

    /// <summary>The workspace as a JSON tree (a copy: changing it does not change this workspace).</summary>
    public JsonNode ToJsonNode() => _document.Value.DeepClone();

    /// <summary>The measurement called <paramref name="name"/>, or the first one when <paramref name="name"/> is null.</summary>
    /// <exception cref="WorkspaceException">No measurement has that name.</exception>
    public MeasurementSpec GetMeasurement(string? name)
    {
        if (name is null)
        {
            return Spec.Measurements[0];
        }

        foreach (MeasurementSpec m in Spec.Measurements)
        {
            if (string.Equals(m.Name, name, StringComparison.Ordinal))
            {
                return m;
            }
        }

        throw new WorkspaceException(SourceName, "$.measurements",
            $"measurement '{name}' not found; available: {string.Join(", ", Spec.Measurements.Select(m => $"'{m.Name}'"))}");
    }

    // Every input file (workspace, patch, patch set) fails to read the same way, so callers handle one exception type
    // whose message names the file, as for a file that reads but does not parse.
    internal static string ReadFile(string path, string kind) => Read(path, kind, File.ReadAllText);

    private static T Read<T>(string path, string kind, Func<string, T> read)
    {
        try
        {
            return read(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WorkspaceException(path, "$", $"cannot read the {kind} file: {e.Message}", e);
        }
    }

    internal static JsonNode ParseDocument(string json, string sourceName) => ParseDocument(Encoding.UTF8.GetBytes(json), sourceName);

    // A property given twice is refused (pyhf's reader would keep the last one silently). The tree's parser does not
    // say where that property is; the serializer does, so its failure, when it ran first, places the message.
    private static JsonNode ParseDocument(ReadOnlySpan<byte> utf8, string sourceName, JsonException? serializerFailure = null)
    {
        try
        {
            return JsonNode.Parse(WithoutByteOrderMark(utf8), documentOptions: new JsonDocumentOptions { AllowTrailingCommas = false, AllowDuplicateProperties = false })
                ?? throw new WorkspaceException(sourceName, "$", "the document is the JSON literal null, expected an object");
        }
        catch (JsonException e)
        {
            JsonException place = e.LineNumber is null && serializerFailure?.LineNumber is not null ? serializerFailure : e;
            string where = place.LineNumber is { } line ? $" at line {line + 1}, byte position {place.BytePositionInLine + 1}" : "";
            throw new WorkspaceException(sourceName, place.Path ?? "$", $"invalid JSON{where}: {e.Message}", e);
        }
    }

    // One pass from the bytes to the records, the modifiers' payloads decoded on the way: a 1.2 MB workspace loads ~2×
    // faster than through a JSON tree, which the serializer writes back out to read it again. A document that does not
    // deserialize takes the tree's path, whose messages say what is wrong and where.
    private static Workspace FromUtf8(byte[] utf8, string sourceName)
    {
        WorkspaceSpec? spec = null;
        JsonException? failure = null;
        try
        {
            spec = JsonSerializer.Deserialize(WithoutByteOrderMark(utf8), WorkspaceJsonContext.Default.WorkspaceSpec);
        }
        catch (JsonException e)
        {
            failure = e;
        }

        if (spec is null)
        {
            return FromDocument(ParseDocument(utf8, sourceName, failure), sourceName);
        }

        new Validator(sourceName).Validate(spec);
        return new Workspace(spec, new Lazy<JsonNode>(() => ParseDocument(utf8, sourceName)), sourceName);
    }

    private static ReadOnlySpan<byte> WithoutByteOrderMark(ReadOnlySpan<byte> utf8) =>
        utf8.StartsWith(Encoding.UTF8.Preamble) ? utf8[Encoding.UTF8.Preamble.Length..] : utf8;

    private static Workspace FromDocument(JsonNode document, string sourceName)
    {
        if (document is not JsonObject)
        {
            throw new WorkspaceException(sourceName, "$", $"expected a JSON object for the workspace, found {document.GetValueKind()}");
        }

        WorkspaceSpec? spec;
        try
        {
            spec = document.Deserialize(WorkspaceJsonContext.Default.WorkspaceSpec);
        }
        catch (JsonException e)
        {
            throw new WorkspaceException(sourceName, e.Path ?? "$", $"does not match the workspace schema: {e.Message}", e);
        }

        if (spec is null)
        {
            throw new WorkspaceException(sourceName, "$", "the workspace is empty");
        }

        new Validator(sourceName).Validate(spec);
        return new Workspace(spec, new Lazy<JsonNode>(document), sourceName);
    }

    /// <summary>Checks everything schema and model construction rely on, reporting the first problem found.</summary>
    private sealed class Validator(string source)
    {
        public void Validate(WorkspaceSpec spec)
        {
            if (spec.Version != "1.0.0")
            {
                throw Error("$.version", $"unsupported workspace version '{spec.Version}', expected '1.0.0'");
            }

            if (spec.Channels.Count == 0)
            {
                throw Error("$.channels", "the workspace has no channels");
            }

            var binsByChannel = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int c = 0; c < spec.Channels.Count; c++)
            {
                ChannelSpec channel = spec.Channels[c];
                string path = $"$.channels[{c}]";
                RequireNonNull(channel, path);
                if (!binsByChannel.TryAdd(channel.Name, ValidateChannel(channel, path)))
                {
                    throw Error($"{path}.name", $"duplicate channel name '{channel.Name}'");
                }
            }

            ValidateObservations(spec, binsByChannel);
            ValidateMeasurements(spec);
        }

        private int ValidateChannel(ChannelSpec channel, string path)
        {
            if (channel.Samples.Count == 0)
            {
                throw Error($"{path}.samples", $"channel '{channel.Name}' has no samples");
            }

            RequireNonNull(channel.Samples[0], $"{path}.samples[0]");
            int nbins = channel.Samples[0].Data.Count;
            if (nbins == 0)
            {
                throw Error($"{path}.samples[0].data", $"channel '{channel.Name}', sample '{channel.Samples[0].Name}': no bins");
            }

            var sampleNames = new HashSet<string>(StringComparer.Ordinal);
            for (int s = 0; s < channel.Samples.Count; s++)
            {
                SampleSpec sample = channel.Samples[s];
                string samplePath = $"{path}.samples[{s}]";
                RequireNonNull(sample, samplePath);
                string what = $"channel '{channel.Name}', sample '{sample.Name}'";
                if (!sampleNames.Add(sample.Name))
                {
                    throw Error($"{samplePath}.name", $"duplicate sample name '{sample.Name}' in channel '{channel.Name}'");
                }

                if (sample.Data.Count != nbins)
                {
                    throw Error($"{samplePath}.data",
                        $"{what}: {sample.Data.Count} bins, but the channel's first sample '{channel.Samples[0].Name}' has {nbins}");
                }

                RequireYields(sample.Data, $"{samplePath}.data", what);
                ValidateModifiers(sample, samplePath, what, nbins);
            }

            return nbins;
        }

        private void ValidateModifiers(SampleSpec sample, string samplePath, string what, int nbins)
        {
            var seen = new HashSet<(string, string)>();
            for (int m = 0; m < sample.Modifiers.Count; m++)
            {
                ModifierSpec modifier = sample.Modifiers[m];
                string path = $"{samplePath}.modifiers[{m}]";
                RequireNonNull(modifier, path);
                string mwhat = $"{what}, modifier '{modifier.Name}' ({modifier.Type})";
                if (!KnownModifierTypes.Contains(modifier.Type))
                {
                    throw Error($"{path}.type",
                        $"{what}, modifier '{modifier.Name}': unknown modifier type '{modifier.Type}' (expected one of {string.Join(", ", KnownModifierTypes.Order(StringComparer.Ordinal))})");
                }

                if (modifier.Name.Length == 0)
                {
                    throw Error($"{path}.name", $"{what}: a {modifier.Type} modifier has an empty name");
                }

                if (!seen.Add((modifier.Name, modifier.Type)))
                {
                    throw Error(path, $"{mwhat}: the sample has this modifier twice");
                }

                ValidateModifierData(modifier, $"{path}.data", mwhat, nbins);
            }
        }

        private void ValidateModifierData(ModifierSpec modifier, string path, string what, int nbins)
        {
            switch (modifier.Type)
            {
                case ModifierTypes.NormFactor or ModifierTypes.Lumi or ModifierTypes.ShapeFactor:
                    if (modifier.Data is { } payload)
                    {
                        throw Error(path, $"{what}: data must be null, found {payload.ValueKind}");
                    }

                    break;
                case ModifierTypes.NormSys:
                {
                    NormSysData data = Decode(modifier.Data, WorkspaceJsonContext.Default.NormSysData, path, what);
                    RequirePositive(data.Hi, $"{path}.hi", what);
                    RequirePositive(data.Lo, $"{path}.lo", what);
                    modifier.Validated = data;
                    break;
                }

                case ModifierTypes.HistoSys:
                {
                    HistoSysData data = Decode(modifier.Data, WorkspaceJsonContext.Default.HistoSysData, path, what);
                    RequireBinCount(data.HiData, nbins, $"{path}.hi_data", what);
                    RequireBinCount(data.LoData, nbins, $"{path}.lo_data", what);
                    RequireYields(data.HiData, $"{path}.hi_data", what);
                    RequireYields(data.LoData, $"{path}.lo_data", what);
                    modifier.Validated = data;
                    break;
                }

                default: // shapesys and staterror: one absolute uncertainty per bin
                {
                    List<double> data = Decode(modifier.Data, WorkspaceJsonContext.Default.ListDouble, path, what);
                    RequireBinCount(data, nbins, path, what);
                    RequireYields(data, path, what);
                    modifier.Validated = data;
                    break;
                }
            }
        }

        private void ValidateObservations(WorkspaceSpec spec, Dictionary<string, int> binsByChannel)
        {
            var observed = new HashSet<string>(StringComparer.Ordinal);
            for (int o = 0; o < spec.Observations.Count; o++)
            {
                ObservationSpec observation = spec.Observations[o];
                string path = $"$.observations[{o}]";
                RequireNonNull(observation, path);
                string what = $"observation of channel '{observation.Name}'";
                if (!observed.Add(observation.Name))
                {
                    throw Error($"{path}.name", $"duplicate {what}");
                }

                // pyhf ignores observations of channels the workspace does not define (published
                // likelihoods keep validation-region data after pruning their channels), and so do we.
                if (!binsByChannel.TryGetValue(observation.Name, out int nbins))
                {
                    continue;
                }

                RequireBinCount(observation.Data, nbins, $"{path}.data", what);
                RequireYields(observation.Data, $"{path}.data", what);
            }

            for (int c = 0; c < spec.Channels.Count; c++)
            {
                if (!observed.Contains(spec.Channels[c].Name))
                {
                    throw Error("$.observations", $"channel '{spec.Channels[c].Name}' (at $.channels[{c}]) has no observation");
                }
            }
        }

        private void ValidateMeasurements(WorkspaceSpec spec)
        {
            if (spec.Measurements.Count == 0)
            {
                throw Error("$.measurements", "the workspace has no measurements");
            }

            var names = new HashSet<string>(StringComparer.Ordinal);
            for (int m = 0; m < spec.Measurements.Count; m++)
            {
                MeasurementSpec measurement = spec.Measurements[m];
                string path = $"$.measurements[{m}]";
                RequireNonNull(measurement, path);
                if (!names.Add(measurement.Name))
                {
                    throw Error($"{path}.name", $"duplicate measurement name '{measurement.Name}'");
                }

                var parameters = new HashSet<string>(StringComparer.Ordinal);
                for (int p = 0; p < measurement.Config.Parameters.Count; p++)
                {
                    ParameterConfigSpec parameter = measurement.Config.Parameters[p];
                    RequireNonNull(parameter, $"{path}.config.parameters[{p}]");
                    if (!parameters.Add(parameter.Name))
                    {
                        throw Error($"{path}.config.parameters[{p}].name",
                            $"measurement '{measurement.Name}': parameter '{parameter.Name}' is configured twice");
                    }
                }
            }
        }

        // The shapes the reader decoded pass as they are; the others are decoded here for the serializer's message.
        private T Decode<T>(ModifierPayload? data, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string path, string what)
        {
            if (data is null)
            {
                throw Error(path, $"{what}: data is missing");
            }

            if (data.Decoded is T decoded)
            {
                return decoded;
            }

            try
            {
                return data.ToJsonElement().Deserialize(type) ?? throw Error(path, $"{what}: data is missing");
            }
            catch (JsonException e)
            {
                string inner = e.Path is null or "$" ? path : path + e.Path[1..];
                throw new WorkspaceException(source, inner, $"{what}: data does not match the schema: {e.Message}", e);
            }
        }

        private void RequireNonNull(object? value, string path)
        {
            if (value is null)
            {
                throw Error(path, "null where an object is required");
            }
        }

        private void RequireBinCount(List<double> values, int nbins, string path, string what)
        {
            if (values.Count != nbins)
            {
                throw Error(path, $"{what}: {values.Count} values, but the channel has {nbins} bins");
            }
        }

        private void RequireYields(List<double> values, string path, string what)
        {
            for (int i = 0; i < values.Count; i++)
            {
                double v = values[i];
                if (!double.IsFinite(v) || v < 0)
                {
                    throw Error($"{path}[{i}]", $"{what}: value {v} in bin {i} is not a finite non-negative number");
                }
            }
        }

        private void RequirePositive(double value, string path, string what)
        {
            if (!double.IsFinite(value) || value <= 0)
            {
                throw Error(path, $"{what}: factor {value} is not a finite positive number");
            }
        }

        private WorkspaceException Error(string path, string message) => new(source, path, message);
    }
}

/// <summary>The modifier type names of the pyhf schema.</summary>
public static class ModifierTypes
{
    /// <summary>Correlated shape interpolation between per-bin templates.</summary>
    public const string HistoSys = "histosys";

    /// <summary>Luminosity scale with a Gaussian constraint.</summary>
    public const string Lumi = "lumi";

    /// <summary>Free normalisation.</summary>
    public const string NormFactor = "normfactor";

    /// <summary>Normalisation interpolation between two factors.</summary>
    public const string NormSys = "normsys";

    /// <summary>Free per-bin factors.</summary>
    public const string ShapeFactor = "shapefactor";

    /// <summary>Uncorrelated per-bin factors with Poisson constraints.</summary>
    public const string ShapeSys = "shapesys";

    /// <summary>Per-bin MC statistical factors with Gaussian constraints shared by the samples of a channel.</summary>
    public const string StatError = "staterror";
}
