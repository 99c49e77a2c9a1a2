using System.Text.Json.Serialization;

namespace NextStat.HistFactory;

/// <summary>Source-generated System.Text.Json metadata for the workspace records: no reflection at run time.</summary>
[JsonSourceGenerationOptions(
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow,
    AllowTrailingCommas = false,
    AllowDuplicateProperties = false,
    NumberHandling = JsonNumberHandling.Strict,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(WorkspaceSpec))]
[JsonSerializable(typeof(NormSysData))]
[JsonSerializable(typeof(HistoSysData))]
[JsonSerializable(typeof(List<double>))]
internal sealed partial class WorkspaceJsonContext : JsonSerializerContext;
