using System.Text;
using Microsoft.CodeAnalysis;
using Xunit;

namespace NextStat.Kernels.Generators.Tests;

/// <summary>
/// Generated source compared with the approved files in <c>Snapshots/</c>. A missing or different file fails with a
/// diff; set NEXTSTAT_ACCEPT_SNAPSHOTS=1 to rewrite them locally, then review and commit the change.
/// </summary>
public class SnapshotTests
{
    public const string Poisson = """
        using System;
        using NextStat.Kernels;

        namespace Demo;

        public static partial class Poisson
        {
            static double Term(double lambda, double n) => lambda - n * Math.Log(lambda);

            [SumKernel(nameof(Term))]
            public static partial double NllSum(ReadOnlySpan<double> lambda, ReadOnlySpan<double> n, KernelContext? context = null);

            static double Scale(double x, double factor) => x * factor;

            [UpdateKernel(nameof(Scale))]
            public static partial void ScaleInPlace(Span<double> x, double factor, KernelContext? context = null);

            static double Interp(double lo, double nom, double hi, double alpha) => alpha >= 0 ? nom + alpha * (hi - nom) : nom + alpha * (nom - lo);

            [MapKernel(nameof(Interp))]
            public static partial void Interpolate(Span<double> result, ReadOnlySpan<double> lo, ReadOnlySpan<double> nom, ReadOnlySpan<double> hi, double alpha, KernelContext? context = null);

            static (double Value, double DLambda) TermAndGrad(double lambda, double n) => (lambda - n * Math.Log(lambda), 1 - n / lambda);

            [SumKernel(nameof(TermAndGrad))]
            public static partial (double Value, double DLambda) NllAndGradSums(ReadOnlySpan<double> lambda, ReadOnlySpan<double> n, KernelContext? context = null);
        }
        """;

    public const string Features = """
        using System;
        using NextStat.Kernels;

        namespace Demo.Features
        {
            internal static partial class Outer
            {
                internal partial struct Inner
                {
                    [KernelFunction]
                    static float Square(float v) => v * v;

                    static float Norm(float a, float b)
                    {
                        const float Half = 0.5f;
                        var s = Square(a) + Square(b);
                        bool small = s < 1e-6f && !(a == b);
                        return small ? MathF.Pow(s, -2) : MathF.Sqrt(s) * Half;
                    }

                    [MapKernel(nameof(Norm))]
                    internal static partial void NormMap(Span<float> result, ReadOnlySpan<float> a, float b);
                }
            }
        }
        """;

    /// <summary>
    /// Tile kernels: a fold with two accumulators (a product and a sum), per-row values, a branch on them, a side
    /// field and a kernel function; an update with a per-lane weight and a broadcast scale.
    /// </summary>
    public const string Tiles = """
        using System;
        using NextStat.Kernels;

        namespace Demo;

        public static partial class Tiles
        {
            [KernelFunction]
            static double Excess(double alpha, double a1, double a2) => Math.FusedMultiplyAdd(a2, alpha, a1) * alpha;

            static (double, double) Factor(double product, double exponent, double alpha, double power, double a1, double a2, double lnHi) =>
                (power == 0.0 ? Math.FusedMultiplyAdd(product, Excess(alpha, a1, a2), product) : product,
                 power == 0.0 ? exponent : Math.FusedMultiplyAdd(alpha, lnHi, exponent));

            [TileFoldKernel(nameof(Factor), TileCombine.Product, TileCombine.Sum, SideFields = 1)]
            public static partial void Products(TileLayout tiles, Span<double> product, Span<double> exponent, ReadOnlySpan<double> alpha, ReadOnlySpan<double> power, KernelContext? context = null);

            static double Project(double sum, double weight, double scale, double x) => Math.FusedMultiplyAdd(x * scale, weight, sum);

            [TileUpdateKernel(nameof(Project))]
            public static partial void Projections(TileLayout tiles, Span<double> sums, [PerLane] ReadOnlySpan<double> weight, double scale);
        }
        """;

    [Theory]
    [InlineData(nameof(Poisson))]
    [InlineData(nameof(Features))]
    [InlineData(nameof(Tiles))]
    public void GeneratedSourceMatchesTheApprovedSnapshot(string sourceName)
    {
        string source = sourceName switch
        {
            nameof(Poisson) => Poisson,
            nameof(Features) => Features,
            _ => Tiles,
        };
        (GeneratorRunResult run, var compileDiagnostics) = GeneratorHarness.Run(source);

        Assert.Empty(run.Diagnostics);
        Assert.Empty(compileDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        Assert.NotEmpty(run.GeneratedSources);

        var failures = new StringBuilder();
        foreach (GeneratedSourceResult generated in run.GeneratedSources)
        {
            string name = generated.HintName.Replace(".g.cs", ".verified.cs", StringComparison.Ordinal);
            string actual = generated.SourceText.ToString();
            string path = Path.Combine(ProjectDirectory(), "Snapshots", name);
            if (Environment.GetEnvironmentVariable("NEXTSTAT_ACCEPT_SNAPSHOTS") == "1")
            {
                File.WriteAllText(path, actual);
                continue;
            }

            if (!File.Exists(path))
            {
                failures.AppendLine($"No approved snapshot Snapshots/{name}; run with NEXTSTAT_ACCEPT_SNAPSHOTS=1 and review it.");
                continue;
            }

            string approved = File.ReadAllText(path).ReplaceLineEndings("\n");
            if (approved != actual)
            {
                failures.AppendLine($"Snapshots/{name} differs from the generated source:").AppendLine(Diff(approved, actual));
            }
        }

        Assert.True(failures.Length == 0, failures.ToString());
    }

    [Fact]
    public void GeneratedFilesAreNamedAfterNamespaceTypeAndMethod()
    {
        (GeneratorRunResult run, _) = GeneratorHarness.Run(Poisson);
        Assert.Equal(
            ["Demo.Poisson.Interpolate.g.cs", "Demo.Poisson.NllAndGradSums.g.cs", "Demo.Poisson.NllSum.g.cs", "Demo.Poisson.ScaleInPlace.g.cs"],
            run.GeneratedSources.Select(s => s.HintName).Order(StringComparer.Ordinal));
        Assert.All(run.GeneratedSources, s => Assert.StartsWith("// <auto-generated/>\n#nullable enable\n", s.SourceText.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public void OutputIsDeterministic()
    {
        string first = string.Concat(GeneratorHarness.Run(Poisson).Run.GeneratedSources.Select(s => s.SourceText.ToString()));
        string second = string.Concat(GeneratorHarness.Run(Poisson).Run.GeneratedSources.Select(s => s.SourceText.ToString()));
        Assert.Equal(first, second);
    }

    /// <summary>The test project's folder, found upwards from the test assembly (approved files live in the source tree).</summary>
    private static string ProjectDirectory()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "NextStat.Kernels.Generators.Tests.csproj")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"NextStat.Kernels.Generators.Tests.csproj not found above {AppContext.BaseDirectory}");
    }

    /// <summary>A line diff: the first differing lines with a little context.</summary>
    private static string Diff(string expected, string actual)
    {
        string[] a = expected.Split('\n');
        string[] b = actual.Split('\n');
        var text = new StringBuilder();
        int shown = 0;
        for (int i = 0; i < Math.Max(a.Length, b.Length) && shown < 20; i++)
        {
            string? left = i < a.Length ? a[i] : null;
            string? right = i < b.Length ? b[i] : null;
            if (left != right)
            {
                text.AppendLine($"line {i + 1}:").AppendLine($"- {left ?? "<end of file>"}").AppendLine($"+ {right ?? "<end of file>"}");
                shown++;
            }
        }

        return text.ToString();
    }
}
