using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace NextStat.Kernels.Generators.Tests;

/// <summary>Edits that do not change a kernel must not re-run its emit step.</summary>
public class CachingTests
{
    [Fact]
    public void UnrelatedFileEditDoesNotReEmit()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(SnapshotTests.Poisson)
            .AddSyntaxTrees(GeneratorHarness.Parse("namespace Demo; public static class Other { public static int A() => 1; }", "Other.cs"));
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);

        SyntaxTree other = compilation.SyntaxTrees.Single(t => t.FilePath == "Other.cs");
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(
            other, GeneratorHarness.Parse("namespace Demo; public static class Other { public static int A() => 2; public static int B() => 3; }", "Other.cs"));
        GeneratorRunResult run = driver.RunGenerators(edited).GetRunResult().Results.Single();

        AssertNothingReEmitted(run);
    }

    [Theory]
    [InlineData(nameof(SnapshotTests.Poisson))]
    [InlineData(nameof(SnapshotTests.Tiles))]
    public void EditInTheKernelFileThatKeepsTheKernelsDoesNotReEmit(string sourceName)
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(sourceName == nameof(SnapshotTests.Tiles) ? SnapshotTests.Tiles : SnapshotTests.Poisson);
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);

        SyntaxTree tree = compilation.SyntaxTrees.Single();
        // Appended after the kernels: kernel locations stay put, so their models are equal and nothing is re-emitted.
        string original = tree.ToString();
        int lastBrace = original.LastIndexOf('}');
        string text = original[..lastBrace] + "    // a member the kernels do not use\n    public static int Unrelated() => 42;\n" + original[lastBrace..];
        Assert.NotEqual(original, text);
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(tree, GeneratorHarness.Parse(text, tree.FilePath));
        GeneratorRunResult run = driver.RunGenerators(edited).GetRunResult().Results.Single();

        AssertNothingReEmitted(run, sourceName == nameof(SnapshotTests.Tiles) ? 2 : 4);
    }

    [Fact]
    public void ChangingAnElementMethodReEmitsThatKernel()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile(SnapshotTests.Poisson);
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);

        SyntaxTree tree = compilation.SyntaxTrees.Single();
        string text = tree.ToString().Replace("=> x * factor;", "=> x * factor * 2;", StringComparison.Ordinal);
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(tree, GeneratorHarness.Parse(text, tree.FilePath));
        GeneratorRunResult run = driver.RunGenerators(edited).GetRunResult().Results.Single();

        IEnumerable<IncrementalStepRunReason> reasons = run.TrackedSteps[KernelGenerator.EmitInputStep].SelectMany(s => s.Outputs).Select(o => o.Reason);
        Assert.Contains(IncrementalStepRunReason.Modified, reasons);
    }

    [Fact]
    public void ChangingAnElementMethodInAnotherFileReEmitsItsKernel()
    {
        CSharpCompilation compilation = GeneratorHarness.Compile("using System; using NextStat.Kernels; namespace D; public static partial class K { [SumKernel(\"F\")] public static partial double S(ReadOnlySpan<double> x); }")
            .AddSyntaxTrees(GeneratorHarness.Parse("namespace D; public static partial class K { static double F(double x) => x * 2; }", "Element.cs"));
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);

        SyntaxTree element = compilation.SyntaxTrees.Single(t => t.FilePath == "Element.cs");
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(element, GeneratorHarness.Parse("namespace D; public static partial class K { static double F(double x) => x * 3; }", "Element.cs"));
        GeneratorRunResult run = driver.RunGenerators(edited).GetRunResult().Results.Single();

        Assert.Equal(IncrementalStepRunReason.Modified, run.TrackedSteps[KernelGenerator.EmitInputStep].Single().Outputs.Single().Reason);
        Assert.Contains("3.0", run.GeneratedSources.Single().SourceText.ToString(), StringComparison.Ordinal);
    }

    private static void AssertNothingReEmitted(GeneratorRunResult run, int kernels = 4)
    {
        var parse = run.TrackedSteps[KernelGenerator.ParseStep].SelectMany(s => s.Outputs).ToList();
        var emit = run.TrackedSteps[KernelGenerator.EmitInputStep].SelectMany(s => s.Outputs).ToList();
        Assert.Equal(kernels, emit.Count);
        IncrementalStepRunReason[] unchanged = [IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged];
        Assert.True(parse.All(o => unchanged.Contains(o.Reason)), "parse: " + string.Join(", ", parse.Select(o => o.Reason)));
        Assert.True(emit.All(o => unchanged.Contains(o.Reason)), "emit input: " + string.Join(", ", emit.Select(o => o.Reason)));
    }
}
