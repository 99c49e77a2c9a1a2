using NextStat.HistFactory;
using Xunit;

namespace NextStat.HistFactory.Tests;

/// <summary>Parity with pyhf 0.7.6 on every workspace that has a reference record.</summary>
public sealed class ParityTests
{
    public static TheoryData<string> Names => Fixtures.RecordNameData();

    [Theory]
    [MemberData(nameof(Names))]
    public void ParameterNamesOrderAndSettingsEqualPyhf(string name)
    {
        PyhfRecord record = Fixtures.Record(name);
        HistFactoryModel model = Fixtures.Model(name);

        Assert.Equal(record.ParNames, model.ParameterNames);
        Assert.Equal(record.PoiIndex, model.PoiIndex);
        Assert.Equal(record.SuggestedInit, model.Inits);
        Assert.Equal(record.SuggestedFixed, model.Fixed);
        Assert.Equal(record.SuggestedBounds.Select(b => b.Lower), model.LowerBounds);
        Assert.Equal(record.SuggestedBounds.Select(b => b.Upper), model.UpperBounds);
        foreach (System.Text.Json.JsonElement set in record.Parameters)
        {
            string setName = set.GetProperty("name").GetString()!;
            int start = set.GetProperty("slice")[0].GetInt32();
            Assert.Equal(setName, model.Parameters[start].SetName);
            Assert.Equal(set.GetProperty("modifier_types").EnumerateArray().Select(e => e.GetString()), model.Parameters[start].ModifierTypes);
            if (set.TryGetProperty("width", out System.Text.Json.JsonElement widths))
            {
                double[] expected = PyhfRecord.Doubles(widths);
                for (int i = 0; i < expected.Length; i++)
                {
                    AssertClose(expected[i], model.Parameters[start + i].PrefitWidth, 1e-12, 1e-15, $"{name} width of {model.ParameterNames[start + i]}");
                }
            }
            else
            {
                Assert.False(model.Parameters[start].IsConstrained);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void ObservedMainAndAuxDataEqualPyhf(string name)
    {
        PyhfRecord record = Fixtures.Record(name);
        HistFactoryModel model = Fixtures.Model(name);

        Assert.Equal(record.ObservedMain, model.ObservedMainData);
        Assert.Equal(record.AuxData.Length, model.ObservedAuxData.Count);
        for (int i = 0; i < record.AuxData.Length; i++)
        {
            AssertClose(record.AuxData[i], model.ObservedAuxData[i], 1e-12, 1e-12, $"{name} aux[{i}]");
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void ExpectedMainDataEqualsPyhfAtInitAndRandomPoint(string name)
    {
        PyhfRecord record = Fixtures.Record(name);
        HistFactoryModel model = Fixtures.Model(name);
        var expected = new double[model.BinCount];
        foreach (PyhfRecord.Point point in new[] { record.Init, record.Random })
        {
            model.ExpectedMainData(point.Pars, expected);
            for (int b = 0; b < expected.Length; b++)
            {
                AssertClose(point.ExpectedMain[b], expected[b], 1e-12, 1e-12, $"{name} bin {b}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void TwiceNllEqualsPyhfAtInitAndRandomPoint(string name)
    {
        PyhfRecord record = Fixtures.Record(name);
        HistFactoryModel model = Fixtures.Model(name);
        foreach (PyhfRecord.Point point in new[] { record.Init, record.Random })
        {
            double actual = model.TwiceNll(point.Pars);
            Assert.True(Math.Abs(actual - point.TwiceNll) <= Math.Max(1e-8, 1e-12 * Math.Abs(point.TwiceNll)),
                $"{name}: twice_nll {actual:R} vs pyhf {point.TwiceNll:R} (diff {actual - point.TwiceNll:E3})");
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void GradientMatchesCentralFiniteDifferences(string name)
    {
        PyhfRecord record = Fixtures.Record(name);
        HistFactoryModel model = Fixtures.Model(name);
        HistFactoryEvaluator evaluator = model.ObservedObjective.CreateHistFactoryEvaluator();
        var gradient = new double[model.ParameterCount];
        foreach (PyhfRecord.Point point in new[] { record.Init, record.Random })
        {
            double value = evaluator.ValueAndGradient(point.Pars, gradient);
            Assert.Equal(evaluator.Value(point.Pars), value);
            double[] x = [.. point.Pars];
            for (int i = 0; i < x.Length; i++)
            {
                double numeric = CentralDifference(evaluator, x, i);
                Assert.True(Math.Abs(gradient[i] - numeric) <= 1e-6 + (1e-4 * Math.Abs(numeric)),
                    $"{name}: d/d{model.ParameterNames[i]} analytic {gradient[i]:R} vs central difference {numeric:R}");
            }
        }
    }

    /// <summary>
    /// Richardson-extrapolated central difference, (4 D(h/2) − D(h)) / 3 with h = 1e-3·max(1, |x|): truncation error
    /// O(h⁴) and rounding error ~1e-10/h, both far below the 1e-6 tolerance even for twice_nll values summed from
    /// terms of 1e5 (the plain central difference needs a step where one or the other dominates on some fixture).
    /// </summary>
    internal static double CentralDifference(HistFactoryEvaluator evaluator, double[] x, int i)
    {
        double h = 1e-3 * Math.Max(1.0, Math.Abs(x[i]));
        double xi = x[i];
        double Difference(double step)
        {
            x[i] = xi + step;
            double up = evaluator.Value(x);
            x[i] = xi - step;
            double down = evaluator.Value(x);
            x[i] = xi;
            return (up - down) / (2 * step);
        }

        return ((4 * Difference(h / 2)) - Difference(h)) / 3;
    }

    internal static void AssertClose(double expected, double actual, double relative, double absolute, string what) =>
        Assert.True(Math.Abs(actual - expected) <= Math.Max(absolute, relative * Math.Abs(expected)),
            $"{what}: {actual:R} vs pyhf {expected:R} (diff {actual - expected:E3})");
}
