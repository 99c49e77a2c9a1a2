using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NextStat.Kernels.Generators.Emitting;
using NextStat.Kernels.Generators.Model;
using NextStat.Kernels.Generators.Parsing;

namespace NextStat.Kernels.Generators;

/// <summary>
/// Writes the bodies of methods marked <c>[MapKernel]</c>, <c>[UpdateKernel]</c>, <c>[SumKernel]</c>, <c>[TileFoldKernel]</c> and <c>[TileUpdateKernel]</c>:
/// attribute → small equatable <see cref="KernelParseResult"/> (no Roslyn objects) → source or diagnostics.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class KernelGenerator : IIncrementalGenerator
{
    /// <summary>Tracking name of the parse step (one result per attributed method).</summary>
    public const string ParseStep = "KernelParse";

    /// <summary>Tracking name of the step that pairs each result with the compilation's unsafe setting, just before emit.</summary>
    public const string EmitInputStep = "KernelEmitInput";

    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<KernelParseResult> maps = Kernels(context, KernelParser.MapAttribute, KernelKind.Map);
        IncrementalValuesProvider<KernelParseResult> updates = Kernels(context, KernelParser.UpdateAttribute, KernelKind.Update);
        IncrementalValuesProvider<KernelParseResult> sums = Kernels(context, KernelParser.SumAttribute, KernelKind.Sum);
        IncrementalValuesProvider<KernelParseResult> folds = Kernels(context, KernelParser.TileFoldAttribute, KernelKind.TileFold);
        IncrementalValuesProvider<KernelParseResult> tileUpdates = Kernels(context, KernelParser.TileUpdateAttribute, KernelKind.TileUpdate);

        IncrementalValueProvider<bool> allowUnsafe = context.CompilationProvider
            .Select(static (compilation, _) => compilation.Options is CSharpCompilationOptions { AllowUnsafe: true });

        foreach (IncrementalValuesProvider<KernelParseResult> kernels in new[] { maps, updates, sums, folds, tileUpdates })
        {
            IncrementalValuesProvider<(KernelParseResult Result, bool AllowUnsafe)> input = kernels
                .Combine(allowUnsafe)
                .Select(static (pair, _) => (pair.Left, pair.Right))
                .WithTrackingName(EmitInputStep);
            context.RegisterSourceOutput(input, static (production, item) => Produce(production, item.Result, item.AllowUnsafe));
        }
    }

    private static IncrementalValuesProvider<KernelParseResult> Kernels(
        IncrementalGeneratorInitializationContext context, string attribute, KernelKind kind) =>
        context.SyntaxProvider
            .ForAttributeWithMetadataName(
                attribute,
                static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax,
                (attributeContext, cancellationToken) => KernelParser.Parse(attributeContext, kind, cancellationToken))
            .WithTrackingName(ParseStep);

    private static void Produce(SourceProductionContext context, KernelParseResult result, bool allowUnsafe)
    {
        foreach (DiagnosticInfo diagnostic in result.Diagnostics)
        {
            context.ReportDiagnostic(diagnostic.ToDiagnostic());
        }

        if (result.Spec is not { } spec)
        {
            return;
        }

        if (!allowUnsafe)
        {
            context.ReportDiagnostic(DiagnosticInfo.Create(Diagnostics.UnsafeNotAllowed, result.MethodLocation, spec.MethodName).ToDiagnostic());
            return;
        }

        context.AddSource(spec.HintName, spec.Tile is null ? KernelEmitter.Emit(spec) : TileKernelEmitter.Emit(spec));
    }
}
