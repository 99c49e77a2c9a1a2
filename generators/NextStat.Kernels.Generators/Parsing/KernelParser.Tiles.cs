using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NextStat.Kernels.Generators.Model;

namespace NextStat.Kernels.Generators.Parsing;

/// <summary>The parameters of tile fold and tile update kernels (<c>[TileFoldKernel]</c>, <c>[TileUpdateKernel]</c>).</summary>
internal static partial class KernelParser
{
    private const string TileLayoutType = "NextStat.Kernels.TileLayout";
    private const string PerLaneAttribute = "NextStat.Kernels.PerLaneAttribute";

    /// <summary>
    /// Maps the kernel's parameters onto the element method's: its first <paramref name="stateCount"/> parameters are
    /// the accumulators (or current sums), then one per value parameter of the kernel, then the layout's fields and,
    /// last, its side fields.
    /// </summary>
    private static (List<KernelParameter> Parameters, TileSpec Tile)? ParseTileKernel(
        KernelKind kind,
        AttributeData attribute,
        IMethodSymbol method,
        MethodDeclarationSyntax syntax,
        IMethodSymbol element,
        MethodDeclarationSyntax elementSyntax,
        int stateCount,
        string kernelName,
        List<DiagnosticInfo> diagnostics)
    {
        void Report(DiagnosticDescriptor descriptor, SyntaxNodeOrToken where, params string[] args) =>
            diagnostics.Add(DiagnosticInfo.Create(descriptor, LocationInfo.From(where.GetLocation()), args));

        string Count(int value) => value.ToString(CultureInfo.InvariantCulture);

        if (element.Parameters[0].Type.SpecialType != SpecialType.System_Double)
        {
            Report(Diagnostics.InvalidElementMethod, elementSyntax.ParameterList.Parameters[0], element.Name, "must take 'double' parameters: a tile layout holds doubles");
            return null;
        }

        var combine = new List<int>();
        if (kind == KernelKind.TileFold)
        {
            TypedConstant rules = attribute.ConstructorArguments.Length > 1 ? attribute.ConstructorArguments[1] : default;
            if (!rules.IsNull && rules.Kind == TypedConstantKind.Array)
            {
                combine.AddRange(rules.Values.Select(v => v.Value is int rule ? rule : -1));
            }

            if (combine.Count != stateCount)
            {
                Report(Diagnostics.TileCombineCount, syntax.Identifier, kernelName, Count(combine.Count), element.Name, Count(stateCount));
            }
        }

        int sideFields = attribute.NamedArguments.FirstOrDefault(a => a.Key == "SideFields").Value.Value is int side ? side : 0;

        IParameterSymbol[] kernelParameters = method.Parameters.ToArray();
        if (kernelParameters.Length == 0 || kernelParameters[0].Type.ToDisplayString() != TileLayoutType)
        {
            Report(Diagnostics.MissingTileLayout, syntax.ParameterList, kernelName);
            return null;
        }

        var parameters = new List<KernelParameter>
        {
            new(Identifier.Escape(kernelParameters[0].Name), ParameterRole.Tiles, TypeText(kernelParameters[0]), ElementName: null),
        };
        for (int k = 0; k < stateCount; k++)
        {
            IParameterSymbol? output = 1 + k < kernelParameters.Length ? kernelParameters[1 + k] : null;
            if (output is null || !IsSpan(output.Type, SpecialType.System_Double, writable: true))
            {
                Report(Diagnostics.MissingOutputSpan, syntax.ParameterList, kernelName, kind == KernelKind.TileFold
                    ? $"its 'TileLayout' and then {stateCount} output 'Span<double>' parameter(s), one per accumulator its element method returns"
                    : $"its 'TileLayout' and then {stateCount} 'Span<double>' parameter(s) of row sums, one per value its element method returns");
                return null;
            }

            parameters.Add(new KernelParameter(Identifier.Escape(output.Name), ParameterRole.Output, TypeText(output), Identifier.Escape(element.Parameters[k].Name)));
        }

        IParameterSymbol[] values = kernelParameters.Skip(1 + stateCount).Where(p => !IsContext(p.Type)).ToArray();
        int fieldCount = element.Parameters.Length - stateCount - values.Length - sideFields;
        if (fieldCount < 1 || sideFields < 0)
        {
            Report(Diagnostics.NoTileField, syntax.ParameterList, kernelName, Count(stateCount), Count(values.Length), Count(sideFields), element.Name, Count(element.Parameters.Length));
            return null;
        }

        int elementIndex = stateCount;
        for (int p = 1 + stateCount; p < kernelParameters.Length; p++)
        {
            IParameterSymbol parameter = kernelParameters[p];
            if (IsContext(parameter.Type))
            {
                parameters.Add(new KernelParameter(Identifier.Escape(parameter.Name), ParameterRole.Context, TypeText(parameter), ElementName: null));
                continue;
            }

            string elementParameter = Identifier.Escape(element.Parameters[elementIndex++].Name);
            bool perLane = parameter.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == PerLaneAttribute);
            bool span = IsSpan(parameter.Type, SpecialType.System_Double, writable: false) || IsSpan(parameter.Type, SpecialType.System_Double, writable: true);
            ParameterRole? role = (span, perLane) switch
            {
                (true, true) => ParameterRole.PerLane,
                (true, false) => ParameterRole.PerRow,
                (false, false) when parameter.Type.SpecialType == SpecialType.System_Double => ParameterRole.Broadcast,
                _ => null,
            };
            if (role is not { } known)
            {
                Report(Diagnostics.UnsupportedParameterType, syntax.ParameterList.Parameters[p], parameter.Name, kernelName, parameter.Type.ToDisplayString(), Identifier.Unescape(elementParameter), perLane
                    ? "ReadOnlySpan<double>' (it is marked [PerLane]"
                    : "ReadOnlySpan<double>' (per row), '[PerLane] ReadOnlySpan<double>' or 'double");
                continue;
            }

            parameters.Add(new KernelParameter(Identifier.Escape(parameter.Name), known, TypeText(parameter), elementParameter));
        }

        if (!method.ReturnsVoid)
        {
            Report(Diagnostics.WrongElementwiseReturnType, syntax.ReturnType, kernelName);
        }

        if (diagnostics.Count > 0)
        {
            return null;
        }

        string[] names = element.Parameters.Select(p => Identifier.Escape(p.Name)).ToArray();
        int fieldStart = stateCount + values.Length;
        var tile = new TileSpec(
            names.Take(stateCount).ToEquatableArray(),
            names.Skip(fieldStart).Take(fieldCount).ToEquatableArray(),
            names.Skip(fieldStart + fieldCount).ToEquatableArray(),
            combine.ToEquatableArray());
        return (parameters, tile);
    }
}
