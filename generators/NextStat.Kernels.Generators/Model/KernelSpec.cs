namespace NextStat.Kernels.Generators.Model;

internal enum KernelKind
{
    Map,
    Update,
    Sum,
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
    ElementBody Body)
{
    public string HintName => FullName + ".g.cs";
}

/// <summary>The parse of one attributed method: a spec to emit, or diagnostics, and where the method is.</summary>
internal sealed record KernelParseResult(KernelSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics, LocationInfo? MethodLocation);
