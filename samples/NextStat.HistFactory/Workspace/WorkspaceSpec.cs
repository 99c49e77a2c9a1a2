using System.Text.Json.Serialization;

namespace NextStat.HistFactory;

/// <summary>The root of a pyhf JSON workspace (schema 1.0.0), as written in the file.</summary>
public sealed class WorkspaceSpec
{
    /// <summary>The channels (regions) with their samples.</summary>
    [JsonPropertyName("channels")]
    [JsonRequired]
    public List<ChannelSpec> Channels { get; init; } = [];

    /// <summary>The observed data of each channel.</summary>
    [JsonPropertyName("observations")]
    [JsonRequired]
    public List<ObservationSpec> Observations { get; init; } = [];

    /// <summary>The measurements: parameter of interest and parameter settings.</summary>
    [JsonPropertyName("measurements")]
    [JsonRequired]
    public List<MeasurementSpec> Measurements { get; init; } = [];

    /// <summary>The schema version; only <c>1.0.0</c> exists.</summary>
    [JsonPropertyName("version")]
    [JsonRequired]
    public string Version { get; init; } = "";
}

/// <summary>A channel: a set of bins shared by its samples.</summary>
public sealed class ChannelSpec
{
    /// <summary>The channel name.</summary>
    [JsonPropertyName("name")]
    [JsonRequired]
    public string Name { get; init; } = "";

    /// <summary>The samples (processes) of the channel.</summary>
    [JsonPropertyName("samples")]
    [JsonRequired]
    public List<SampleSpec> Samples { get; init; } = [];
}

/// <summary>A sample: nominal yields per bin and the modifiers acting on them.</summary>
public sealed class SampleSpec
{
    /// <summary>The sample name.</summary>
    [JsonPropertyName("name")]
    [JsonRequired]
    public string Name { get; init; } = "";

    /// <summary>Nominal expected yields per bin.</summary>
    [JsonPropertyName("data")]
    [JsonRequired]
    public List<double> Data { get; init; } = [];

    /// <summary>The modifiers of the sample.</summary>
    [JsonPropertyName("modifiers")]
    [JsonRequired]
    public List<ModifierSpec> Modifiers { get; init; } = [];
}

/// <summary>A modifier; <see cref="Data"/> depends on <see cref="Type"/> and is decoded when the model is built.</summary>
public sealed class ModifierSpec
{
    /// <summary>The modifier (and parameter) name.</summary>
    [JsonPropertyName("name")]
    [JsonRequired]
    public string Name { get; init; } = "";

    /// <summary>One of normfactor, lumi, normsys, histosys, shapesys, staterror, shapefactor.</summary>
    [JsonPropertyName("type")]
    [JsonRequired]
    public string Type { get; init; } = "";

    /// <summary>The type-specific payload (null for normfactor, lumi and shapefactor, and when absent).</summary>
    [JsonPropertyName("data")]
    public ModifierPayload? Data { get; init; }

    /// <summary>
    /// <see cref="Data"/> as <see cref="NormSysData"/>, <see cref="HistoSysData"/> or per-bin values, set when the
    /// workspace validated it, so that building a model does not decode the payloads a second time.
    /// </summary>
    [JsonIgnore]
    internal object? Validated { get; set; }
}

/// <summary>The payload of a <c>normsys</c> modifier: multiplicative factors at α = ±1.</summary>
public sealed class NormSysData
{
    /// <summary>Factor at α = +1.</summary>
    [JsonPropertyName("hi")]
    [JsonRequired]
    public double Hi { get; init; }

    /// <summary>Factor at α = −1.</summary>
    [JsonPropertyName("lo")]
    [JsonRequired]
    public double Lo { get; init; }
}

/// <summary>The payload of a <c>histosys</c> modifier: the sample's yields at α = ±1.</summary>
public sealed class HistoSysData
{
    /// <summary>Yields per bin at α = +1.</summary>
    [JsonPropertyName("hi_data")]
    [JsonRequired]
    public List<double> HiData { get; init; } = [];

    /// <summary>Yields per bin at α = −1.</summary>
    [JsonPropertyName("lo_data")]
    [JsonRequired]
    public List<double> LoData { get; init; } = [];
}

/// <summary>Observed data of one channel.</summary>
public sealed class ObservationSpec
{
    /// <summary>The channel name.</summary>
    [JsonPropertyName("name")]
    [JsonRequired]
    public string Name { get; init; } = "";

    /// <summary>Observed counts per bin.</summary>
    [JsonPropertyName("data")]
    [JsonRequired]
    public List<double> Data { get; init; } = [];
}

/// <summary>A named measurement.</summary>
public sealed class MeasurementSpec
{
    /// <summary>The measurement name.</summary>
    [JsonPropertyName("name")]
    [JsonRequired]
    public string Name { get; init; } = "";

    /// <summary>The parameter of interest and parameter settings.</summary>
    [JsonPropertyName("config")]
    [JsonRequired]
    public MeasurementConfigSpec Config { get; init; } = new();
}

/// <summary>The configuration of a measurement.</summary>
public sealed class MeasurementConfigSpec
{
    /// <summary>The parameter of interest; null or empty for a model without one.</summary>
    [JsonPropertyName("poi")]
    public string? Poi { get; init; }

    /// <summary>Per-parameter settings that override the modifiers' defaults (required, as in pyhf's schema).</summary>
    [JsonPropertyName("parameters")]
    [JsonRequired]
    public List<ParameterConfigSpec> Parameters { get; init; } = [];
}

/// <summary>Settings of one parameter (set) in a measurement; absent fields keep the modifier's defaults.</summary>
public sealed class ParameterConfigSpec
{
    /// <summary>The parameter name.</summary>
    [JsonPropertyName("name")]
    [JsonRequired]
    public string Name { get; init; } = "";

    /// <summary>Initial values, one per component.</summary>
    [JsonPropertyName("inits")]
    public List<double>? Inits { get; init; }

    /// <summary>Bounds <c>[lo, hi]</c>, one pair per component.</summary>
    [JsonPropertyName("bounds")]
    public List<List<double>>? Bounds { get; init; }

    /// <summary>Whether the parameter is held constant in fits.</summary>
    [JsonPropertyName("fixed")]
    public bool? Fixed { get; init; }

    /// <summary>Auxiliary data (constraint centres), one per component.</summary>
    [JsonPropertyName("auxdata")]
    public List<double>? AuxData { get; init; }

    /// <summary>Gaussian constraint widths, one per component.</summary>
    [JsonPropertyName("sigmas")]
    public List<double>? Sigmas { get; init; }

    /// <summary>Poisson constraint scale factors τ, one per component.</summary>
    [JsonPropertyName("factors")]
    public List<double>? Factors { get; init; }
}
