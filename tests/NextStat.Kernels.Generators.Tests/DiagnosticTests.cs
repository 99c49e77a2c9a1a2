using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace NextStat.Kernels.Generators.Tests;

/// <summary>
/// Every diagnostic: its ID, a message naming the construct, and its location. Sources mark the expected span with
/// <c>[|…|]</c>.
/// </summary>
public class DiagnosticTests
{
    private const string Header = """
        using System;
        using NextStat.Kernels;

        namespace Demo;

        """;

    public static TheoryData<string, string, string> UnsupportedConstructs => new()
    {
        { "static double F(double x) { var s = 0.0; [|for|] (int i = 0; i < 3; i++) { } return s; }", "a loop", "NSK0001" },
        { "static double F(double x) { [|x = 2 * x;|] return x; }", "assignment to a parameter ('x')", "NSK0001" },
        { "static double F(double x) => [|Math.Sin(x)|];", "call to 'Math.Sin'", "NSK0001" },
        { "static double F(double x) => x [|%|] 2.0;", "operator '%'", "NSK0001" },
        { "static double F(double x) { [|if|] (x > 0) { return x; } return -x; }", "an 'if' statement", "NSK0001" },
        { "static readonly double Scale = 2; static double F(double x) => x * [|Scale|];", "field 'Scale' (only constants can be read)", "NSK0001" },
        { "static double F(double x) => [|(double)(int)x|];", "a cast to 'double'", "NSK0001" },
        { "static double Helper(double x) => x; static double F(double x) => [|Helper(x)|];", "call to 'Poisson.Helper' (mark helper methods [KernelFunction])", "NSK0001" },
        { "static double F(double x) => Math.Pow(x, [|0.5|]);", "'Math.Pow' with exponent '0.5'", "NSK0018" },
        { "[KernelFunction] static double A(double x) => B(x); [KernelFunction] static double B(double x) => [|A(x)|]; static double F(double x) => A(x);", "Kernel function 'A' is recursive (A -> B -> A)", "NSK0011" },
    };

    [Theory]
    [MemberData(nameof(UnsupportedConstructs))]
    public void UnsupportedElementBodiesAreReportedOnTheConstruct(string element, string message, string id)
    {
        string source = Header + $$"""
            public static partial class Poisson
            {
                {{element}}

                [MapKernel(nameof(F))]
                public static partial void M(Span<double> result, ReadOnlySpan<double> x);
            }
            """;
        AssertSingle(source, id, message);
    }

    public static TheoryData<string, string, string> Signatures => new()
    {
        { "public static partial class P { static double F(double x) => x; [SumKernel(nameof(F))] public static double [|S|](ReadOnlySpan<double> x) => 0; }", "NSK0002", "Kernel method 'P.S' must be declared 'partial'" },
        { "public partial class P { static double F(double x) => x; [SumKernel(nameof(F))] public partial double [|S|](ReadOnlySpan<double> x); }", "NSK0003", "Kernel method 'P.S' must be 'static'" },
        { "public static class [|P|] { static double F(double x) => x; [SumKernel(nameof(F))] public static partial double S(ReadOnlySpan<double> x); }", "NSK0004", "Type 'P' contains kernel method 'P.S'" },
        { "public static partial class P { [SumKernel([|\"Nope\"|])] public static partial double S(ReadOnlySpan<double> x); }", "NSK0005", "names element method 'Nope', but type 'P' has no method of that name" },
        { "public partial class P { double [|F|](double x) => x; [SumKernel(nameof(F))] public static partial double S(ReadOnlySpan<double> x); }", "NSK0006", "Element method 'F' must be static" },
        { "public static partial class P { static [|int|] F(double x) => 1; [SumKernel(nameof(F))] public static partial double S(ReadOnlySpan<double> x); }", "NSK0006", "must return 'double' or a tuple" },
        { "public static partial class P { static double F(double x, double y) => x; [SumKernel(nameof(F))] public static partial double S[|(ReadOnlySpan<double> x)|]; }", "NSK0007", "Kernel 'P.S' passes 1 value(s) per element, but element method 'F' takes 2" },
        { "public static partial class P { static double F(double x) => x; [MapKernel(nameof(F))] public static partial void M[|(ReadOnlySpan<double> x)|]; }", "NSK0008", "Kernel 'P.M' must start with an output 'Span<double>' parameter" },
        { "public static partial class P { static double F(double x) => x; [UpdateKernel(nameof(F))] public static partial void U[|(double x)|]; }", "NSK0008", "the 'Span<double>' parameter it updates" },
        { "public static partial class P { static double F(double x) => x; [SumKernel(nameof(F))] public static partial [|float|] S(ReadOnlySpan<double> x); }", "NSK0009", "Sum kernel 'P.S' must return 'double'" },
        { "public static partial class P { static (double A, double B) F(double x) => (x, x); [SumKernel(nameof(F))] public static partial [|double|] S(ReadOnlySpan<double> x); }", "NSK0009", "must return '(double A, double B)'" },
        { "public static partial class P { static double F(double x) => x; [MapKernel(nameof(F))] public static partial [|double|] M(Span<double> r, ReadOnlySpan<double> x); }", "NSK0010", "Kernel 'P.M' writes its results into spans and must return 'void'" },
        { "public static partial class P { static double F(double x) => x; [SumKernel(nameof(F))] public static partial double S[|<T>|](ReadOnlySpan<double> x); }", "NSK0013", "Kernel method 'P.S' cannot be generic" },
        { "public static partial class P { static double F(double x) => x; [MapKernel(nameof(F))] public static partial void M(Span<double> r, [|ref ReadOnlySpan<double> x|]); }", "NSK0014", "Parameter 'x' of 'P.M' is passed by reference ('ref')" },
        { "public static partial class P { static double F(double x) => x; [SumKernel(nameof(F))] public static partial double S([|int[] x|]); }", "NSK0016", "Parameter 'x' of kernel 'P.S' has type 'int[]'; element parameter 'x' needs 'ReadOnlySpan<double>', 'Span<double>' or 'double'" },
        { "public static partial class P { static double F(double x) => x; [SumKernel(nameof(F))] public static partial double [|S|](double x); }", "NSK0019", "Kernel 'P.S' has no span parameter" },
    };

    /// <summary>Tile kernels: the element is F(acc, v, field) unless a row says otherwise.</summary>
    public static TheoryData<string, string, string> TileSignatures => new()
    {
        { "public static partial class P { static (double, double) F(double a, double b, double v, double x) => (a, b); [TileFoldKernel(nameof(F), TileCombine.Sum)] public static partial void [|K|](TileLayout t, Span<double> a, Span<double> b, ReadOnlySpan<double> v); }", "NSK0020", "Tile fold kernel 'P.K' gives 1 combine rule(s), but its element method 'F' returns 2 accumulator(s)" },
        { "public static partial class P { static double F(double a, double v, double x) => a; [TileFoldKernel(nameof(F), TileCombine.Sum)] public static partial void K[|(Span<double> a, ReadOnlySpan<double> v)|]; }", "NSK0021", "Tile kernel 'P.K' must take a 'NextStat.Kernels.TileLayout' as its first parameter" },
        { "public static partial class P { static double F(double a, double v, double x) => a; [TileFoldKernel(nameof(F), TileCombine.Sum, SideFields = 1)] public static partial void K[|(TileLayout t, Span<double> a, ReadOnlySpan<double> v)|]; }", "NSK0022", "Tile kernel 'P.K' passes 1 accumulator(s) and 1 value(s) and declares 1 side field(s), which leaves element method 'F' (3 parameter(s)) no field" },
        { "public static partial class P { static double F(double a, double v) => a; [TileUpdateKernel(nameof(F))] public static partial void K[|(TileLayout t, Span<double> a, ReadOnlySpan<double> v)|]; }", "NSK0022", "which leaves element method 'F' (2 parameter(s)) no field" },
        { "public static partial class P { static double F(double a, double v, double x) => a; [TileUpdateKernel(nameof(F))] public static partial void K[|(TileLayout t, ReadOnlySpan<double> a, ReadOnlySpan<double> v)|]; }", "NSK0008", "Kernel 'P.K' must start with its 'TileLayout' and then 1 'Span<double>' parameter(s) of row sums" },
        { "public static partial class P { static double F(double a, double v, double x) => a; [TileUpdateKernel(nameof(F))] public static partial void K(TileLayout t, Span<double> a, [|[PerLane] double v|]); }", "NSK0016", "Parameter 'v' of kernel 'P.K' has type 'double'; element parameter 'v' needs 'ReadOnlySpan<double>' (it is marked [PerLane]'" },
        { "public static partial class P { static double F(double a, double v, double x) => a; [TileFoldKernel(nameof(F), TileCombine.Sum)] public static partial void K(TileLayout t, Span<double> a, [|int[] v|]); }", "NSK0016", "element parameter 'v' needs 'ReadOnlySpan<double>' (per row), '[PerLane] ReadOnlySpan<double>' or 'double'" },
        { "public static partial class P { static float F([|float a|], float v, float x) => a; [TileFoldKernel(nameof(F), TileCombine.Sum)] public static partial void K(TileLayout t, Span<float> a, ReadOnlySpan<float> v); }", "NSK0006", "Element method 'F' must take 'double' parameters: a tile layout holds doubles" },
        { "public static partial class P { static double F(double a, double v, double x) => a; [TileFoldKernel(nameof(F), TileCombine.Sum)] public static partial [|double|] K(TileLayout t, Span<double> a, ReadOnlySpan<double> v); }", "NSK0010", "Kernel 'P.K' writes its results into spans and must return 'void'" },
    };

    [Theory]
    [MemberData(nameof(TileSignatures))]
    public void BadTileKernelSignaturesAreReportedOnTheDeclaration(string declaration, string id, string message) =>
        AssertSingle(Header + declaration, id, message);

    [Theory]
    [MemberData(nameof(Signatures))]
    public void BadSignaturesAreReportedOnTheDeclaration(string declaration, string id, string message) =>
        AssertSingle(Header + declaration, id, message);

    [Fact]
    public void OverloadedKernelsAreReportedOnEach()
    {
        string source = Header + """
            public static partial class P
            {
                static double F(double x) => x;
                [SumKernel(nameof(F))] public static partial double S(ReadOnlySpan<double> x);
                [SumKernel(nameof(F))] public static partial double S(ReadOnlySpan<double> x, KernelContext? c);
            }
            """;
        (GeneratorRunResult run, _) = GeneratorHarness.Run(source);
        Assert.Equal(2, run.Diagnostics.Count(d => d.Id == "NSK0017"));
        Assert.All(run.Diagnostics, d => Assert.Contains("Type 'P' declares more than one kernel named 'S'", d.GetMessage(), StringComparison.Ordinal));
    }

    [Fact]
    public void KernelsWithoutUnsafeCodeAreReportedOnTheMethod()
    {
        string source = Header + "public static partial class P { static double F(double x) => x; [SumKernel(nameof(F))] public static partial double [|S|](ReadOnlySpan<double> x); }";
        AssertSingle(source, "NSK0012", "Kernel 'S' needs unsafe code", allowUnsafe: false);
    }

    /// <summary>NSK0015 fires exactly while KernelMath lacks float Log/Exp; once they exist, the same kernel compiles.</summary>
    [Fact]
    public void FloatLogIsReportedWhileKernelMathHasNoFloatOverload()
    {
        string source = Header + "public static partial class P { static float F(float x) => [|MathF.Log(x)|]; [MapKernel(nameof(F))] public static partial void M(Span<float> r, ReadOnlySpan<float> x); }";
        bool floatMath = typeof(KernelMath).GetMethods().Count(m => m.Name is nameof(KernelMath.Log) or nameof(KernelMath.Exp)
            && m.GetParameters() is [{ ParameterType: var type }] && type == typeof(float)) == 2;
        if (floatMath)
        {
            (GeneratorRunResult run, var compile) = GeneratorHarness.Run(source.Replace("[|", string.Empty, StringComparison.Ordinal).Replace("|]", string.Empty, StringComparison.Ordinal));
            Assert.Empty(run.Diagnostics);
            Assert.Empty(compile.Where(d => d.Severity == DiagnosticSeverity.Error));
        }
        else
        {
            AssertSingle(source, "NSK0015", "Element method 'F' calls 'MathF.Log' on float");
        }
    }

    [Fact]
    public void EveryDescriptorHasATest()
    {
        var tested = new HashSet<string>(UnsupportedConstructs.Select(row => (string)row[2])
            .Concat(Signatures.Select(row => (string)row[1]))
            .Concat(TileSignatures.Select(row => (string)row[1])))
        {
            "NSK0012", "NSK0015", "NSK0017",
        };
        IEnumerable<string> all = Enumerable.Range(1, 22).Select(i => $"NSK{i:0000}");
        Assert.Empty(all.Except(tested));
    }

    private static void AssertSingle(string markedSource, string id, string message, bool allowUnsafe = true)
    {
        int start = markedSource.IndexOf("[|", StringComparison.Ordinal);
        int end = markedSource.IndexOf("|]", StringComparison.Ordinal) - 2;
        string source = markedSource.Replace("[|", string.Empty, StringComparison.Ordinal).Replace("|]", string.Empty, StringComparison.Ordinal);
        (GeneratorRunResult run, _) = GeneratorHarness.Run(source, allowUnsafe);

        Diagnostic diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Contains(message, diagnostic.GetMessage(), StringComparison.Ordinal);
        Assert.Equal(new TextSpan(start, end - start), diagnostic.Location.SourceSpan);
        Assert.Empty(run.GeneratedSources);
    }
}
