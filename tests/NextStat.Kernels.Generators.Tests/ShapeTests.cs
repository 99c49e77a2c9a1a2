using Microsoft.CodeAnalysis;
using Xunit;

namespace NextStat.Kernels.Generators.Tests;

/// <summary>Declarations of many shapes generate code that compiles without errors or warnings.</summary>
public class ShapeTests
{
    public static TheoryData<string> Declarations => new()
    {
        // The global namespace, no context parameter, an implicitly private void partial.
        """
        using System; using NextStat.Kernels;
        static partial class G { static double F(double x) => x + 1; [UpdateKernel(nameof(F))] static partial void M(Span<double> x); public static void Use(Span<double> x) => M(x); }
        """,
        // A generic containing type, a record struct, nested types.
        """
        using System; using NextStat.Kernels;
        namespace N;
        public partial class Outer<T> { public partial record struct Inner { static double F(double a, double b) => a * b; [SumKernel(nameof(F))] internal static partial double S(ReadOnlySpan<double> a, double b, KernelContext context); } }
        """,
        // Keywords as names, a Span<T> read as input, the context not last in the element's view, scoped spans.
        """
        using System; using NextStat.Kernels;
        namespace N;
        public static partial class K
        {
            static double F(double @in, double @out, double @double) => @in * @double - @out;
            [MapKernel(nameof(F))] public static partial void M(Span<double> @return, scoped ReadOnlySpan<double> @in, Span<double> @out, double @double, KernelContext? @class = null);
        }
        """,
        // The element method in another partial declaration, a helper from another type, float sums of tuples.
        """
        using System; using NextStat.Kernels;
        namespace N;
        public static class Helpers { [KernelFunction] public static float Twice(float v) => v + v; }
        public static partial class K { static (float A, float B) F(float x) => (Helpers.Twice(x), MathF.Abs(x)); }
        public static partial class K { [SumKernel(nameof(F))] public static partial (float A, float B) S(ReadOnlySpan<float> x); }
        """,
    };

    [Theory]
    [MemberData(nameof(Declarations))]
    public void GeneratedCodeCompilesCleanly(string source)
    {
        (GeneratorRunResult run, var compile) = GeneratorHarness.Run(source);
        Assert.Empty(run.Diagnostics);
        Assert.Single(run.GeneratedSources);
        Assert.Empty(compile.Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }
}
