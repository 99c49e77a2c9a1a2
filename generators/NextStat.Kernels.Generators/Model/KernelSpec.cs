namespace NextStat.Kernels.Generators.Model;

internal enum KernelKind
{
    Map,
    Update,
    Sum,
    TileFold,
    TileUpdate,
}

internal enum ElementType
{
    Double,
    Float,
}

internal enum ParameterRole
{
    /// <summary>A <c>Span</c> written by a map kernel.</summary>
    Output,

    /// <summary>The <c>Span</c> an update kernel reads and writes.</summary>
    InOut,

    /// <summary>A span read per element.</summary>
    Input,

    /// <summary>A scalar broadcast to every element.</summary>
    Broadcast,

    /// <summary>The optional <c>KernelContext?</c>.</summary>
    Context,

    /// <summary>The <c>TileLayout</c> of a tile kernel.</summary>
    Tiles,

    /// <summary>A span of a tile kernel read per row (the same on every lane of a tile).</summary>
    PerRow,

    /// <summary>A span of a tile kernel read per lane.</summary>
    PerLane,
}

/// <summary>
/// One parameter of the kernel method. <paramref name="ElementName"/> is the element method parameter it feeds
/// (null for outputs and the context). Both are C# identifiers, escaped with '@' where they are keywords.
/// </summary>
internal sealed record KernelParameter(string Name, ParameterRole Role, string TypeText, string? ElementName);

/// <summary>A type that contains the kernel, outermost first: its keyword (<c>class</c>, <c>record struct</c>…) and name.</summary>
internal sealed record ContainingType(string Keyword, string NameWithTypeParameters);

/// <summary>Everything the emitter needs to write one kernel; no Roslyn objects, so it caches across edits.</summary>
internal sealed record KernelSpec(
    string? Namespace,
    EquatableArray<ContainingType> ContainingTypes,
    string FullName,
    string MethodName,
    string Modifiers,
    string ReturnTypeText,
    KernelKind Kind,
    ElementType ElementType,
    int OutputCount,
    EquatableArray<KernelParameter> Parameters,
    ElementBody Body,
    TileSpec? Tile = null)
{
    public string HintName => FullName + ".g.cs";
}

/// <summary>The parse of one attributed method: a spec to emit, or diagnostics, and where the method is.</summary>
internal sealed record KernelParseResult(KernelSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics, LocationInfo? MethodLocation);

/// <summary>
/// What a tile kernel adds to its spec: the element parameters holding the accumulators (or current sums), the
/// layout's fields and side fields in order, and for a fold how each accumulator combines (0 sum, 1 product).
/// </summary>
internal sealed record TileSpec(
    EquatableArray<string> StateNames,
    EquatableArray<string> FieldNames,
    EquatableArray<string> SideFieldNames,
    EquatableArray<int> Combine);
