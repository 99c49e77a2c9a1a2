using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace NextStat.Kernels.Generators;

/// <summary>Every diagnostic the kernel generator reports. IDs are stable: never renumber, only append.</summary>
internal static class Diagnostics
{
    private const string Category = "NextStat.Kernels";

    public static readonly DiagnosticDescriptor UnsupportedConstruct = Error(
        "NSK0001",
        "Unsupported construct in a kernel element method",
        "Element method '{0}' uses {1}, which a kernel cannot vectorise");

    public static readonly DiagnosticDescriptor MethodNotPartial = Error(
        "NSK0002",
        "Kernel method must be a partial method without a body",
        "Kernel method '{0}' must be declared 'partial' without a body so the generator can write it");

    public static readonly DiagnosticDescriptor MethodNotStatic = Error(
        "NSK0003",
        "Kernel method must be static",
        "Kernel method '{0}' must be 'static'");

    public static readonly DiagnosticDescriptor TypeNotPartial = Error(
        "NSK0004",
        "Type containing a kernel must be partial",
        "Type '{0}' contains kernel method '{1}' and must be declared 'partial'");

    public static readonly DiagnosticDescriptor ElementMethodNotFound = Error(
        "NSK0005",
        "Element method not found",
        "Kernel '{0}' names element method '{1}', but type '{2}' has no method of that name");

    public static readonly DiagnosticDescriptor InvalidElementMethod = Error(
        "NSK0006",
        "Invalid element method",
        "Element method '{0}' {1}");

    public static readonly DiagnosticDescriptor ParameterCountMismatch = Error(
        "NSK0007",
        "Kernel parameters do not match the element method",
        "Kernel '{0}' passes {1} value(s) per element, but element method '{2}' takes {3} parameter(s)");

    public static readonly DiagnosticDescriptor MissingOutputSpan = Error(
        "NSK0008",
        "Kernel lacks its output span",
        "Kernel '{0}' must start with {1}");

    public static readonly DiagnosticDescriptor WrongSumReturnType = Error(
        "NSK0009",
        "Sum kernel returns the wrong type",
        "Sum kernel '{0}' must return '{1}', the type its element method '{2}' returns");

    public static readonly DiagnosticDescriptor WrongElementwiseReturnType = Error(
        "NSK0010",
        "Map or update kernel must return void",
        "Kernel '{0}' writes its results into spans and must return 'void'");

    public static readonly DiagnosticDescriptor Recursion = Error(
        "NSK0011",
        "Recursive kernel function",
        "Kernel function '{0}' is recursive ({1}); kernel functions are inlined and cannot recurse");

    public static readonly DiagnosticDescriptor UnsafeNotAllowed = Error(
        "NSK0012",
        "Kernels need unsafe code",
        "Kernel '{0}' needs unsafe code (it pins spans for parallel workers): set <AllowUnsafeBlocks>true</AllowUnsafeBlocks> in the project");

    public static readonly DiagnosticDescriptor GenericMethod = Error(
        "NSK0013",
        "Kernel method cannot be generic",
        "Kernel method '{0}' cannot be generic");

    public static readonly DiagnosticDescriptor ByReferenceParameter = Error(
        "NSK0014",
        "Kernel parameters must be passed by value",
        "Parameter '{0}' of '{1}' is passed by reference ('{2}'); kernel and element parameters must be plain values or spans");

    public static readonly DiagnosticDescriptor FloatMathUnavailable = Error(
        "NSK0015",
        "Function not available for float kernels",
        "Element method '{0}' calls '{1}' on float, but KernelMath has no float overloads of it yet; use a double kernel");

    public static readonly DiagnosticDescriptor UnsupportedParameterType = Error(
        "NSK0016",
        "Unsupported kernel parameter type",
        "Parameter '{0}' of kernel '{1}' has type '{2}'; element parameter '{3}' needs '{4}'");

    public static readonly DiagnosticDescriptor OverloadedKernel = Error(
        "NSK0017",
        "Kernel methods cannot be overloaded",
        "Type '{0}' declares more than one kernel named '{1}'; give each kernel its own name");

    public static readonly DiagnosticDescriptor InvalidPowExponent = Error(
        "NSK0018",
        "Math.Pow needs a small integer constant exponent",
        "Element method '{0}' calls 'Math.Pow' with exponent '{1}'; kernels support only integer constants from -16 to 16");

    public static readonly DiagnosticDescriptor NoSpanParameter = Error(
        "NSK0019",
        "Kernel has no span",
        "Kernel '{0}' has no span parameter, so it has no length to run over");

    public static readonly DiagnosticDescriptor TileCombineCount = Error(
        "NSK0020",
        "Tile fold needs one combine rule per accumulator",
        "Tile fold kernel '{0}' gives {1} combine rule(s), but its element method '{2}' returns {3} accumulator(s)");

    public static readonly DiagnosticDescriptor MissingTileLayout = Error(
        "NSK0021",
        "Tile kernel lacks its layout",
        "Tile kernel '{0}' must take a 'NextStat.Kernels.TileLayout' as its first parameter");

    public static readonly DiagnosticDescriptor NoTileField = Error(
        "NSK0022",
        "Tile kernel element method has no tile field",
        "Tile kernel '{0}' passes {1} accumulator(s) and {2} value(s) and declares {3} side field(s), which leaves element method '{4}' ({5} parameter(s)) no field of the layout to read");

    private static readonly Dictionary<string, DiagnosticDescriptor> s_byId = new[]
    {
        UnsupportedConstruct, MethodNotPartial, MethodNotStatic, TypeNotPartial, ElementMethodNotFound,
        InvalidElementMethod, ParameterCountMismatch, MissingOutputSpan, WrongSumReturnType, WrongElementwiseReturnType,
        Recursion, UnsafeNotAllowed, GenericMethod, ByReferenceParameter, FloatMathUnavailable, UnsupportedParameterType,
        OverloadedKernel, InvalidPowExponent, NoSpanParameter, TileCombineCount, MissingTileLayout, NoTileField,
    }.ToDictionary(d => d.Id);

    public static DiagnosticDescriptor ById(string id) => s_byId[id];

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
}
