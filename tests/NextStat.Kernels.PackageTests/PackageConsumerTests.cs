using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace NextStat.Kernels.PackageTests;

/// <summary>
/// "Add the package and annotate" must work: packs NextStat.Kernels, then builds and runs a
/// separate console project that references only that package and declares its own kernels — the README's example.
/// </summary>
public sealed partial class PackageConsumerTests(ITestOutputHelper output)
{
    private static readonly TimeSpan s_stepTimeout = TimeSpan.FromMinutes(5);

    [Fact]
    public void ReadmeExampleBuildsAndRunsAgainstThePackedPackage()
    {
        string repository = RepositoryRoot();
        DirectoryInfo work = Directory.CreateTempSubdirectory("nextstat-package-");
        try
        {
            string feed = Path.Combine(work.FullName, "feed");
            // The test project references the runtime and the generator, so both are built (in this test's configuration)
            // before it runs; packing without building never writes to their bin folders while other tests use them.
            Run(repository, "pack", "runtime/NextStat.Kernels", "-c", BuildConfiguration(), "--no-build", "-o", feed);
            Assert.Single(Directory.GetFiles(feed, "NextStat.Kernels.*.nupkg"));

            string consumer = Path.Combine(work.FullName, "consumer");
            Directory.CreateDirectory(consumer);
            File.WriteAllText(Path.Combine(consumer, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <!-- Only the fresh package: the consumer needs nothing else (the SDK carries the framework packs). -->
                    <clear />
                    <add key="local" value="{feed}" />
                  </packageSources>
                </configuration>
                """);
            File.WriteAllText(Path.Combine(consumer, "Consumer.csproj"), """
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <ImplicitUsings>enable</ImplicitUsings>
                    <Nullable>enable</Nullable>
                    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="NextStat.Kernels" Version="0.1.0" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(consumer, "Program.cs"), ReadmeExample(repository));

            // A private package folder, so a package of the same version from an earlier run is never reused.
            var environment = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(work.FullName, "packages") };
            Run(consumer, environment, "build", "-c", "Release");
            string stdout = Run(consumer, environment, "bin/Release/net10.0/Consumer.dll");

            double[] lambda = [2.5, 1.0, 7.25, 4.0, 3.5, 0.75, 12.0];
            double[] observed = [3, 0, 6, 5, 2, 1, 11];
            double nll = 0, gradient = 0;
            for (int i = 0; i < lambda.Length; i++)
            {
                nll += lambda[i] - (observed[i] * Math.Log(lambda[i]));
                gradient += 1 - (observed[i] / lambda[i]);
            }

            Assert.Equal(nll, Number(stdout, "nll"), 1e-12);
            Assert.Equal(nll, Number(stdout, "value"), 1e-12);
            Assert.Equal(gradient, Number(stdout, "gradient"), 1e-14);
            Assert.Contains("scaled = " + string.Join(", ", lambda.Select(x => (x * 1.5).ToString("R", CultureInfo.InvariantCulture))), stdout, StringComparison.Ordinal);
            Assert.Contains("identical on every width and thread count: True", stdout, StringComparison.Ordinal);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>The README's kernel example: the first C# block after "### Example", so the documented program is the tested one.</summary>
    private static string ReadmeExample(string repository)
    {
        string path = Path.Combine(repository, "README.md");
        Match match = ExampleBlock().Match(File.ReadAllText(path).ReplaceLineEndings("\n"));
        if (match.Success && match.Groups[1].Value.Contains("[SumKernel(", StringComparison.Ordinal))
        {
            return match.Groups[1].Value;
        }

        throw new FileNotFoundException("README.md has no kernel example (a csharp block with [SumKernel( after '### Example')", path);
    }

    [GeneratedRegex(@"### Example\n.*?```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ExampleBlock();

    private static double Number(string stdout, string name)
    {
        Match match = Regex.Match(stdout, $@"\b{name} = ([-0-9.E+]+)");
        Assert.True(match.Success, $"'{name} = …' missing from the output:\n{stdout}");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private string Run(string directory, params string[] arguments) => Run(directory, new Dictionary<string, string>(), arguments);

    private string Run(string directory, Dictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (arguments[0] == "build")
        {
            // No build servers or reusable nodes: nothing may outlive the test.
            start.ArgumentList.Add("--disable-build-servers");
            start.ArgumentList.Add("-nodeReuse:false");
        }

        // The test host's MSBuild variables would point a nested build at the wrong SDK pieces.
        foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach ((string key, string value) in environment)
        {
            start.Environment[key] = value;
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => stdout.AppendLine(e.Data);
        process.ErrorDataReceived += (_, e) => stderr.AppendLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(s_stepTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', arguments)} did not finish within {s_stepTimeout}");
        }

        process.WaitForExit();
        output.WriteLine($"$ dotnet {string.Join(' ', arguments)}\n{stdout}{stderr}");
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{stdout}\n{stderr}");
        return stdout.ToString();
    }

    private static string BuildConfiguration() =>
        typeof(PackageConsumerTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "Configuration").Value ?? "Release";

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "NextStat.Kernels.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"NextStat.Kernels.sln not found above {AppContext.BaseDirectory}");
    }
}
