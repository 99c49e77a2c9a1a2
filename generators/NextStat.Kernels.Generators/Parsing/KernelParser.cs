using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NextStat.Kernels.Generators.Model;

namespace NextStat.Kernels.Generators.Parsing;

/// <summary>Checks an attributed kernel method and its element method, and turns them into a <see cref="KernelSpec"/>.</summary>
internal static partial class KernelParser
{
    public const string MapAttribute = "NextStat.Kernels.MapKernelAttribute";
    public const string UpdateAttribute = "NextStat.Kernels.UpdateKernelAttribute";
    public const string SumAttribute = "NextStat.Kernels.SumKernelAttribute";
    public const string TileFoldAttribute = "NextStat.Kernels.TileFoldKernelAttribute";
    public const string TileUpdateAttribute = "NextStat.Kernels.TileUpdateKernelAttribute";
    private const string ContextType = "NextStat.Kernels.KernelContext";
    private const string KernelMathType = "NextStat.Kernels.KernelMath";
    private const int MaxOutputs = 7;

    private static readonly SymbolDisplayFormat s_typeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    public static KernelParseResult Parse(GeneratorAttributeSyntaxContext context, KernelKind kind, CancellationToken cancellationToken)
    {
        var method = (IMethodSymbol)context.TargetSymbol;
        var syntax = (MethodDeclarationSyntax)context.TargetNode;
        var diagnostics = new List<DiagnosticInfo>();
        LocationInfo? methodLocation = LocationInfo.From(syntax.Identifier);
        INamedTypeSymbol type = method.ContainingType;
        string kernelName = $"{type.Name}.{method.Name}";

        KernelSpec? spec = ParseKernel(context, kind, method, syntax, type, kernelName, diagnostics, cancellationToken);
        return new KernelParseResult(diagnostics.Count == 0 ? spec : null, diagnostics.ToEquatableArray(), methodLocation);
    }

    private static KernelSpec? ParseKernel(
        GeneratorAttributeSyntaxContext context,
        KernelKind kind,
        IMethodSymbol method,
        MethodDeclarationSyntax syntax,
        INamedTypeSymbol type,
        string kernelName,
        List<DiagnosticInfo> diagnostics,
        CancellationToken cancellationToken)
    {
        void Report(DiagnosticDescriptor descriptor, SyntaxNodeOrToken where, params string[] args) =>
            diagnostics.Add(DiagnosticInfo.Create(descriptor, LocationInfo.From(where.GetLocation()), args));

        // The declaration itself.
        if (!method.IsPartialDefinition || method.PartialImplementationPart is not null)
        {
            Report(Diagnostics.MethodNotPartial, syntax.Identifier, kernelName);
        }

        if (!method.IsStatic)
        {
            Report(Diagnostics.MethodNotStatic, syntax.Identifier, kernelName);
        }

        if (method.IsGenericMethod)
        {
            Report(Diagnostics.GenericMethod, syntax.TypeParameterList ?? (SyntaxNodeOrToken)syntax.Identifier, kernelName);
        }

        foreach (TypeDeclarationSyntax declaration in syntax.Ancestors().OfType<TypeDeclarationSyntax>())
        {
            if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                Report(Diagnostics.TypeNotPartial, declaration.Identifier, declaration.Identifier.ValueText, kernelName);
            }
        }

        int kernelsWithThisName = type.GetMembers(method.Name).OfType<IMethodSymbol>().Count(m => m.GetAttributes().Any(IsKernelAttribute));
        if (kernelsWithThisName > 1)
        {
            Report(Diagnostics.OverloadedKernel, syntax.Identifier, type.Name, method.Name);
        }

        foreach (ParameterSyntax parameterSyntax in syntax.ParameterList.Parameters)
        {
            if (parameterSyntax.Modifiers.Any(m => m.IsKind(SyntaxKind.RefKeyword) || m.IsKind(SyntaxKind.OutKeyword) || m.IsKind(SyntaxKind.InKeyword) || m.IsKind(SyntaxKind.ParamsKeyword)))
            {
                string modifier = parameterSyntax.Modifiers.First(m => !m.IsKind(SyntaxKind.ScopedKeyword) && !m.IsKind(SyntaxKind.ThisKeyword)).Text;
                Report(Diagnostics.ByReferenceParameter, parameterSyntax, parameterSyntax.Identifier.ValueText, kernelName, modifier);
            }
        }

        // The element method.
        AttributeData attribute = context.Attributes[0];
        SyntaxNode attributeLocation = (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax)?.ArgumentList?.Arguments.FirstOrDefault()
            ?? (SyntaxNode?)attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) ?? syntax;
        string elementName = attribute.ConstructorArguments.FirstOrDefault().Value as string ?? string.Empty;
        IMethodSymbol[] candidates = type.GetMembers(elementName).OfType<IMethodSymbol>().ToArray();
        if (candidates.Length == 0)
        {
            Report(Diagnostics.ElementMethodNotFound, attributeLocation, kernelName, elementName, type.Name);
            return null;
        }

        if (candidates.Length > 1)
        {
            Report(Diagnostics.InvalidElementMethod, attributeLocation, elementName, "is overloaded; name exactly one method");
            return null;
        }

        IMethodSymbol element = candidates[0];
        if (element.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is not MethodDeclarationSyntax elementSyntax)
        {
            Report(Diagnostics.InvalidElementMethod, attributeLocation, elementName, "must be an ordinary method declared in source");
            return null;
        }

        SyntaxToken elementId = elementSyntax.Identifier;
        if (!element.IsStatic)
        {
            Report(Diagnostics.InvalidElementMethod, elementId, elementName, "must be static");
        }

        if (element.IsGenericMethod)
        {
            Report(Diagnostics.InvalidElementMethod, elementId, elementName, "cannot be generic");
        }

        if (element.Parameters.Length == 0)
        {
            Report(Diagnostics.InvalidElementMethod, elementId, elementName, "must take at least one parameter");
            return null;
        }

        foreach (IParameterSymbol parameter in element.Parameters.Where(p => p.RefKind != RefKind.None))
        {
            Report(Diagnostics.ByReferenceParameter, (SyntaxNode?)parameter.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) ?? (SyntaxNodeOrToken)elementId, parameter.Name, elementName, parameter.RefKind.ToString().ToLowerInvariant());
        }

        // The element type is that of the first element parameter; everything else must agree with it.
        SpecialType special = element.Parameters[0].Type.SpecialType;
        if (special is not (SpecialType.System_Double or SpecialType.System_Single))
        {
            Report(Diagnostics.InvalidElementMethod, elementSyntax.ParameterList.Parameters[0], elementName, $"must take 'double' or 'float' parameters; '{element.Parameters[0].Name}' is '{element.Parameters[0].Type.ToDisplayString()}'");
            return null;
        }

        ElementType elementType = special == SpecialType.System_Single ? ElementType.Float : ElementType.Double;
        string t = elementType == ElementType.Float ? "float" : "double";
        for (int p = 1; p < element.Parameters.Length; p++)
        {
            if (element.Parameters[p].Type.SpecialType != special)
            {
                Report(Diagnostics.InvalidElementMethod, elementSyntax.ParameterList.Parameters[p], elementName, $"must take only '{t}' parameters; '{element.Parameters[p].Name}' is '{element.Parameters[p].Type.ToDisplayString()}'");
            }
        }

        int outputCount = OutputCount(element.ReturnType, special);
        if (outputCount == 0)
        {
            Report(Diagnostics.InvalidElementMethod, elementSyntax.ReturnType, elementName, $"must return '{t}' or a tuple of 2 to {MaxOutputs} '{t}' values; it returns '{element.ReturnType.ToDisplayString()}'");
        }

        if (diagnostics.Count > 0)
        {
            return null;
        }

        if (kind is KernelKind.TileFold or KernelKind.TileUpdate)
        {
            (List<KernelParameter> Parameters, TileSpec Tile)? tile = ParseTileKernel(
                kind, attribute, method, syntax, element, elementSyntax, outputCount, kernelName, diagnostics);
            return tile is { } parsed
                ? CreateSpec(context, kind, method, syntax, type, element, elementSyntax, elementType, outputCount, parsed.Parameters, parsed.Tile, diagnostics, cancellationToken)
                : null;
        }

        // The kernel's parameters against the element's.
        var parameters = new List<KernelParameter>();
        IParameterSymbol[] kernelParameters = method.Parameters.ToArray();
        int leading = 0;
        string spanOf = $"global::System.Span<{t}>";
        if (kind == KernelKind.Map)
        {
            for (; leading < outputCount; leading++)
            {
                if (leading >= kernelParameters.Length || !IsSpan(kernelParameters[leading].Type, special, writable: true))
                {
                    Report(Diagnostics.MissingOutputSpan, syntax.ParameterList, kernelName, outputCount == 1 ? $"an output 'Span<{t}>' parameter" : $"{outputCount} output 'Span<{t}>' parameters, one per value its element method returns");
                    return null;
                }

                parameters.Add(new KernelParameter(Identifier.Escape(kernelParameters[leading].Name), ParameterRole.Output, TypeText(kernelParameters[leading]), ElementName: null));
            }
        }
        else if (kind == KernelKind.Update)
        {
            if (outputCount != 1)
            {
                Report(Diagnostics.InvalidElementMethod, elementSyntax.ReturnType, elementName, $"must return one '{t}' for an update kernel");
                return null;
            }

            if (kernelParameters.Length == 0 || !IsSpan(kernelParameters[0].Type, special, writable: true))
            {
                Report(Diagnostics.MissingOutputSpan, syntax.ParameterList, kernelName, $"the 'Span<{t}>' parameter it updates");
                return null;
            }
        }

        IParameterSymbol[] rest = kernelParameters.Skip(leading).Where(p => !IsContext(p.Type)).ToArray();
        if (rest.Length != element.Parameters.Length)
        {
            Report(Diagnostics.ParameterCountMismatch, syntax.ParameterList, kernelName, rest.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), elementName, element.Parameters.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return null;
        }

        int elementIndex = 0;
        for (int p = leading; p < kernelParameters.Length; p++)
        {
            IParameterSymbol parameter = kernelParameters[p];
            if (IsContext(parameter.Type))
            {
                parameters.Add(new KernelParameter(Identifier.Escape(parameter.Name), ParameterRole.Context, TypeText(parameter), ElementName: null));
                continue;
            }

            string elementParameter = element.Parameters[elementIndex++].Name;
            ParameterRole role;
            if (kind == KernelKind.Update && elementIndex == 1)
            {
                role = ParameterRole.InOut;
            }
            else if (IsSpan(parameter.Type, special, writable: true) || IsSpan(parameter.Type, special, writable: false))
            {
                role = ParameterRole.Input;
            }
            else if (parameter.Type.SpecialType == special)
            {
                role = ParameterRole.Broadcast;
            }
            else
            {
                Report(Diagnostics.UnsupportedParameterType, syntax.ParameterList.Parameters[p], parameter.Name, kernelName, parameter.Type.ToDisplayString(), elementParameter, $"ReadOnlySpan<{t}>', 'Span<{t}>' or '{t}");
                continue;
            }

            parameters.Add(new KernelParameter(Identifier.Escape(parameter.Name), role, TypeText(parameter), Identifier.Escape(elementParameter)));
        }

        if (diagnostics.Count == 0 && !parameters.Any(p => p.Role is ParameterRole.Output or ParameterRole.InOut or ParameterRole.Input))
        {
            Report(Diagnostics.NoSpanParameter, syntax.Identifier, kernelName);
        }

        // The return type.
        if (kind == KernelKind.Sum)
        {
            if (!SameShape(method.ReturnType, element.ReturnType, special))
            {
                Report(Diagnostics.WrongSumReturnType, syntax.ReturnType, kernelName, element.ReturnType.ToDisplayString(), elementName);
            }
        }
        else if (!method.ReturnsVoid)
        {
            Report(Diagnostics.WrongElementwiseReturnType, syntax.ReturnType, kernelName);
        }

        return diagnostics.Count > 0
            ? null
            : CreateSpec(context, kind, method, syntax, type, element, elementSyntax, elementType, outputCount, parameters, tile: null, diagnostics, cancellationToken);
    }

    private static KernelSpec? CreateSpec(
        GeneratorAttributeSyntaxContext context,
        KernelKind kind,
        IMethodSymbol method,
        MethodDeclarationSyntax syntax,
        INamedTypeSymbol type,
        IMethodSymbol element,
        MethodDeclarationSyntax elementSyntax,
        ElementType elementType,
        int outputCount,
        List<KernelParameter> parameters,
        TileSpec? tile,
        List<DiagnosticInfo> diagnostics,
        CancellationToken cancellationToken)
    {
        ElementBody? body = ElementParser.Parse(
            context.SemanticModel.Compilation,
            element,
            elementSyntax,
            elementType,
            FloatMathAvailable(context.SemanticModel.Compilation),
            diagnostics,
            cancellationToken);
        if (body is null)
        {
            return null;
        }

        return new KernelSpec(
            type.ContainingNamespace.IsGlobalNamespace ? null : type.ContainingNamespace.ToDisplayString(),
            ContainingTypes(type).ToEquatableArray(),
            HintBase(type) + "." + method.Name,
            method.Name,
            Modifiers(syntax),
            method.ReturnType.ToDisplayString(s_typeFormat),
            kind,
            elementType,
            outputCount,
            parameters.ToEquatableArray(),
            body,
            tile);
    }

    private static bool IsKernelAttribute(AttributeData attribute) =>
        attribute.AttributeClass?.ToDisplayString() is MapAttribute or UpdateAttribute or SumAttribute or TileFoldAttribute or TileUpdateAttribute;

    private static bool IsContext(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat).TrimEnd('?') == ContextType;

    private static bool IsSpan(ITypeSymbol type, SpecialType element, bool writable) =>
        type is INamedTypeSymbol { IsGenericType: true } named
        && named.ConstructedFrom.ToDisplayString() == (writable ? "System.Span<T>" : "System.ReadOnlySpan<T>")
        && named.TypeArguments[0].SpecialType == element;

    /// <summary>1 for the element type, the arity for a tuple of it (2…7), else 0.</summary>
    private static int OutputCount(ITypeSymbol type, SpecialType element)
    {
        if (type.SpecialType == element)
        {
            return 1;
        }

        if (type is INamedTypeSymbol { IsTupleType: true } tuple
            && tuple.TupleElements.Length is >= 2 and <= MaxOutputs
            && tuple.TupleElements.All(e => e.Type.SpecialType == element))
        {
            return tuple.TupleElements.Length;
        }

        return 0;
    }

    private static bool SameShape(ITypeSymbol kernelReturn, ITypeSymbol elementReturn, SpecialType element) =>
        OutputCount(kernelReturn, element) is var count && count > 0 && count == OutputCount(elementReturn, element);

    private static bool FloatMathAvailable(Compilation compilation)
    {
        INamedTypeSymbol? kernelMath = compilation.GetTypeByMetadataName(KernelMathType);
        if (kernelMath is null)
        {
            return false;
        }

        bool Has(string name) => kernelMath.GetMembers(name).OfType<IMethodSymbol>()
            .Any(m => m.Parameters.Length == 1 && m.Parameters[0].Type.SpecialType == SpecialType.System_Single);
        return Has("Log") && Has("Exp");
    }

    private static string TypeText(IParameterSymbol parameter) =>
        (parameter.ScopedKind == ScopedKind.ScopedValue ? "scoped " : string.Empty) + parameter.Type.ToDisplayString(s_typeFormat);

    /// <summary>The declaration's accessibility and <c>unsafe</c>/<c>new</c>, which the implementation must repeat.</summary>
    private static string Modifiers(MethodDeclarationSyntax syntax)
    {
        IEnumerable<string> kept = syntax.Modifiers
            .Where(m => m.Kind() is SyntaxKind.PublicKeyword or SyntaxKind.InternalKeyword or SyntaxKind.PrivateKeyword
                or SyntaxKind.ProtectedKeyword or SyntaxKind.UnsafeKeyword or SyntaxKind.NewKeyword)
            .Select(m => m.Text);
        return string.Join(" ", kept.Concat(["static", "partial"]));
    }

    private static IEnumerable<ContainingType> ContainingTypes(INamedTypeSymbol type)
    {
        var chain = new Stack<INamedTypeSymbol>();
        for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
        {
            chain.Push(current);
        }

        foreach (INamedTypeSymbol current in chain)
        {
            string keyword = current switch
            {
                { IsRecord: true, IsValueType: true } => "record struct",
                { IsRecord: true } => "record",
                { TypeKind: TypeKind.Struct } => "struct",
                { TypeKind: TypeKind.Interface } => "interface",
                _ => "class",
            };
            string name = current.TypeParameters.Length == 0
                ? current.Name
                : $"{current.Name}<{string.Join(", ", current.TypeParameters.Select(p => p.Name))}>";
            yield return new ContainingType(keyword, name);
        }
    }

    private static string HintBase(INamedTypeSymbol type)
    {
        var parts = new Stack<string>();
        for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
        {
            parts.Push(current.Arity == 0 ? current.Name : $"{current.Name}_{current.Arity}");
        }

        string types = string.Join(".", parts);
        return type.ContainingNamespace.IsGlobalNamespace ? types : type.ContainingNamespace.ToDisplayString() + "." + types;
    }
}
