using NextStat.HistFactory;
using Xunit;

namespace NextStat.HistFactory.Tests;

/// <summary>Interpolation codes against hand-computed pyhf formulas, gradients for every code, Hessian, allocation.</summary>
public sealed class ModelBehaviourTests
{
    // One bin, nominal 50, a normsys "ns" (hi 1.2, lo 0.7) and a histosys "hs" (hi 55, lo 42) on the same sample.
    private const string OneBin = """
        {
          "channels": [{"name": "SR", "samples": [
            {"name": "bkg", "data": [50.0], "modifiers": [
              {"name": "ns", "type": "normsys", "data": {"hi": 1.2, "lo": 0.7}},
              {"name": "hs", "type": "histosys", "data": {"hi_data": [55.0], "lo_data": [42.0]}}
            ]},
            {"name": "sig", "data": [5.0], "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]}
          ]}],
          "observations": [{"name": "SR", "data": [55.0]}],
          "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
          "version": "1.0.0"
        }
        """;

    public static TheoryData<NormSysInterpolation, HistoSysInterpolation, double, double> CodePoints()
    {
        var data = new TheoryData<NormSysInterpolation, HistoSysInterpolation, double, double>();
        double[] alphas = [-1.7, -1.0, -0.4, 0.0, 0.3, 1.0, 2.2];
        foreach (NormSysInterpolation normsys in Enum.GetValues<NormSysInterpolation>())
        {
            foreach (HistoSysInterpolation histosys in Enum.GetValues<HistoSysInterpolation>())
            {
                foreach (double alpha in alphas)
                {
                    data.Add(normsys, histosys, alpha, -alpha / 2);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CodePoints))]
    public void InterpolationCodesFollowPyhfFormulas(NormSysInterpolation normsys, HistoSysInterpolation histosys, double ns, double hs)
    {
        HistFactoryModel model = HistFactoryModel.Build(Workspace.Parse(OneBin), options: new ModelOptions { NormSys = normsys, HistoSys = histosys });
        Assert.Equal(["hs", "mu", "ns"], model.ParameterNames);
        double[] pars = [hs, 1.3, ns];
        var expected = new double[1];
        model.ExpectedMainData(pars, expected);

        double factor = normsys switch
        {
            NormSysInterpolation.Code1 => ns > 0 ? Math.Pow(1.2, ns) : Math.Pow(0.7, -ns),
            _ => ns >= 1 ? Math.Pow(1.2, ns) : ns <= -1 ? Math.Pow(0.7, -ns) : Code4Polynomial(1.2, 0.7, ns),
        };
        double up = 55.0 - 50.0, down = 50.0 - 42.0;
        double shift = histosys switch
        {
            HistoSysInterpolation.Code0 => hs > 0 ? hs * up : hs * down,
            HistoSysInterpolation.Code2 => hs > 1 ? 3.5 * (hs - 1) : hs >= -1 ? (-1.5 * hs * hs) + (6.5 * hs) : 9.5 * (hs + 1),
            _ => hs > 1 ? hs * up : hs < -1 ? hs * down : (hs * 6.5) + (hs * hs * -0.1875 * (15 - (10 * hs * hs) + (3 * Math.Pow(hs, 4)))),
        };
        double lambda = ((50.0 + shift) * factor) + (5.0 * 1.3);
        ParityTests.AssertClose(lambda, expected[0], 1e-13, 1e-13, $"{normsys}/{histosys} at ns={ns}, hs={hs}");

        // Away from the code2 jump at |α| = 1 the analytic gradient matches finite differences for every code.
        if (Math.Abs(Math.Abs(hs) - 1) > 0.01 && Math.Abs(Math.Abs(ns) - 1) > 0.01 && ns != 0 && hs != 0)
        {
            AssertGradient(model, pars);
        }
    }

    [Theory]
    [InlineData("xml_example")]
    [InlineData("xml_shared_nuispar")]
    [InlineData("xml_multichan_coupledhistosys")]
    [InlineData("sbottom_regionB_1400_550_60")]
    public void GradientsHoldForCode1AndCode0OnFixtures(string name)
    {
        HistFactoryModel model = HistFactoryModel.Build(Fixtures.Workspace(name), Fixtures.Record(name).Measurement,
            new ModelOptions { NormSys = NormSysInterpolation.Code1, HistoSys = HistoSysInterpolation.Code0 });
        // Code1 and code0 have a kink at α = 0 (fixed parameters stay there), where no derivative exists to compare.
        AssertGradient(model, Fixtures.Record(name).Random.Pars, skipKinks: true);
    }

    [Fact]
    public void GradientIsExactWhenANormalisationIsZero()
    {
        // μ = 0 makes the signal yield exactly zero: d/dμ must still be 2·s·(1 − n/λ), not 0/0.
        HistFactoryModel model = HistFactoryModel.Build(Workspace.Parse(OneBin));
        double[] pars = [0.2, 0.0, -0.3];
        var gradient = new double[3];
        model.ObservedObjective.CreateEvaluator().ValueAndGradient(pars, gradient);
        var lambda = new double[1];
        model.ExpectedMainData(pars, lambda);
        ParityTests.AssertClose(2 * 5.0 * (1 - (55.0 / lambda[0])), gradient[1], 1e-13, 1e-13, "d/dmu at mu = 0");
    }

    [Fact]
    public void AnEvaluatorGivesTheSameBitsBeforeAndAfterAZeroFactor()
    {
        // A zero factor switches the evaluator to counting zeros; the next evaluation must not see stale counts.
        HistFactoryModel model = HistFactoryModel.Build(Workspace.Parse(OneBin));
        double[] zero = [0.2, 0.0, -0.3];
        double[] nonZero = [0.2, 1.3, -0.3];
        (double Value, double[] Gradient) Fresh(double[] pars)
        {
            var gradient = new double[3];
            return (model.ObservedObjective.CreateEvaluator().ValueAndGradient(pars, gradient), gradient);
        }

        var evaluator = model.ObservedObjective.CreateEvaluator();
        foreach (double[] pars in new[] { nonZero, zero, nonZero, zero })
        {
            var gradient = new double[3];
            double value = evaluator.ValueAndGradient(pars, gradient);
            (double expectedValue, double[] expectedGradient) = Fresh(pars);
            Assert.Equal(expectedValue, value);
            Assert.Equal(expectedGradient, gradient);
            Assert.Equal(expectedValue, evaluator.Value(pars));
        }
    }

    [Fact]
    public void HessianMatchesTheAnalyticSecondDerivative()
    {
        // d²/dμ² twice_nll = 2 n s² / λ² for λ = μ s + b(α) (one bin, μ appears only linearly).
        HistFactoryModel model = HistFactoryModel.Build(Workspace.Parse(OneBin));
        HistFactoryEvaluator evaluator = model.ObservedObjective.CreateHistFactoryEvaluator();
        double[] pars = [0.1, 1.3, -0.2];
        var hessian = new double[9];
        evaluator.Hessian(pars, hessian);
        var lambda = new double[1];
        model.ExpectedMainData(pars, lambda);
        ParityTests.AssertClose(2 * 55.0 * 25.0 / (lambda[0] * lambda[0]), hessian[4], 1e-7, 1e-9, "d²/dμ²");
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                Assert.Equal(hessian[(i * 3) + j], hessian[(j * 3) + i]);
            }
        }

        // The Gaussian constraint adds exactly 2/σ² = 2 to the normsys diagonal; the rest is the main term's curvature.
        Assert.True(hessian[8] > 2.0);
    }

    [Fact]
    public void EvaluationAllocatesNothing()
    {
        HistFactoryModel model = Fixtures.Model("sbottom_regionA_1300_205_60");
        HistFactoryObjective objective = model.CreateObjective([.. model.ObservedMainData], [.. model.ObservedAuxData]);
        var evaluator = objective.CreateEvaluator();
        double[] pars = Fixtures.Record("sbottom_regionA_1300_205_60").Random.Pars;
        var gradient = new double[model.ParameterCount];
        evaluator.ValueAndGradient(pars, gradient);
        evaluator.Value(pars);

        long before = GC.GetAllocatedBytesForCurrentThread();
        double sum = 0;
        for (int i = 0; i < 200; i++)
        {
            sum += evaluator.Value(pars) + evaluator.ValueAndGradient(pars, gradient);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.True(double.IsFinite(sum));
    }

    [Fact]
    public void EvaluatorsOnSeveralThreadsGiveIdenticalBits()
    {
        HistFactoryModel model = Fixtures.Model("atlas_susy_2018_04_staus_combined");
        double[] pars = Fixtures.Record("atlas_susy_2018_04_staus_combined").Random.Pars;
        var reference = new double[model.ParameterCount];
        double referenceValue = model.ObservedObjective.CreateEvaluator().ValueAndGradient(pars, reference);
        Parallel.For(0, 8, _ =>
        {
            var gradient = new double[model.ParameterCount];
            IEvaluatorCheck(model, pars, gradient, referenceValue, reference);
        });
    }

    [Theory]
    [InlineData("sbottom_regionC_1600_850_60")]
    [InlineData("atlas_susy_2019_08_1lbb")]
    public void EveryKernelWidthAndThreadCountGivesTheSameBits(string name)
    {
        double[] pars = Fixtures.Record(name).Random.Pars;
        (double Value, double[] Gradient) Evaluate(NextStat.Kernels.KernelContext context)
        {
            HistFactoryModel model = HistFactoryModel.Build(Fixtures.Workspace(name), options: new ModelOptions { Kernels = context });
            var gradient = new double[model.ParameterCount];
            double value = model.ObservedObjective.CreateEvaluator().ValueAndGradient(pars, gradient);
            return (value, gradient);
        }

        (double value, double[] gradient) = Evaluate(new NextStat.Kernels.KernelContext { Width = NextStat.Kernels.KernelWidth.Scalar, MaxDegreeOfParallelism = 1 });
        foreach (NextStat.Kernels.KernelWidth width in new[] { NextStat.Kernels.KernelWidth.Vector128, NextStat.Kernels.KernelWidth.Vector256, NextStat.Kernels.KernelWidth.Vector512, NextStat.Kernels.KernelWidth.Auto })
        {
            // Threshold 0 with two threads makes every sum take the parallel path as well.
            (double otherValue, double[] otherGradient) = Evaluate(new NextStat.Kernels.KernelContext { Width = width, MaxDegreeOfParallelism = 2, ParallelThreshold = 0 });
            Assert.Equal(BitConverter.DoubleToInt64Bits(value), BitConverter.DoubleToInt64Bits(otherValue));
            Assert.Equal(gradient.Select(BitConverter.DoubleToInt64Bits), otherGradient.Select(BitConverter.DoubleToInt64Bits));
        }
    }

    [Fact]
    public void ParameterLookupAndAuxExpectationsFollowPyhf()
    {
        HistFactoryModel model = Fixtures.Model("xml_example_shapesys");
        Assert.Equal(model.ParameterNames.ToList().IndexOf("bkg1Shape[0]"), model.IndexOf("bkg1Shape[0]"));
        Assert.False(model.TryIndexOf("bkg1Shape", out _));
        Assert.Throws<KeyNotFoundException>(() => model.IndexOf("nope"));
        Assert.Equal("SigXsecOverSM", model.PoiName);

        double[] pars = [.. model.Inits];
        pars[model.IndexOf("bkg1Shape[0]")] = 1.1;
        pars[model.IndexOf("lumi")] = 1.05;
        var aux = new double[model.AuxEntries.Count];
        model.ExpectedAuxData(pars, aux);
        for (int i = 0; i < aux.Length; i++)
        {
            AuxEntry entry = model.AuxEntries[i];
            double theta = pars[entry.ParameterIndex];
            Assert.Equal(entry.Constraint == ConstraintKind.Poisson ? theta * entry.Tau : theta, aux[i]);
        }

        ModelParameter gamma = model.Parameters[model.IndexOf("bkg1Shape[0]")];
        Assert.Equal(ConstraintKind.Poisson, gamma.Constraint);
        Assert.Equal(1.0 / Math.Sqrt(gamma.Tau), gamma.PrefitWidth);
        Assert.Equal(model.ObservedAuxData[gamma.AuxIndex], gamma.Tau);
    }

    [Fact]
    public void AToyDataSetChangesOnlyTheData()
    {
        HistFactoryModel model = Fixtures.Model("xml_example_shapesys");
        double[] pars = [.. model.Inits];
        var main = new double[model.BinCount];
        model.ExpectedMainData(pars, main);
        var aux = new double[model.AuxEntries.Count];
        model.ExpectedAuxData(pars, aux);
        HistFactoryObjective asimov = model.CreateObjective(main, aux);
        var gradient = new double[model.ParameterCount];
        asimov.CreateEvaluator().ValueAndGradient(pars, gradient);

        // At its own expectation every data-dependent derivative vanishes: main weights 1 − n/λ and constraint pulls.
        Assert.All(gradient, g => Assert.True(Math.Abs(g) < 1e-12, $"gradient {g:E3}"));
    }

    private static void IEvaluatorCheck(HistFactoryModel model, double[] pars, double[] gradient, double referenceValue, double[] reference)
    {
        var evaluator = model.ObservedObjective.CreateEvaluator();
        for (int repeat = 0; repeat < 20; repeat++)
        {
            Assert.Equal(referenceValue, evaluator.ValueAndGradient(pars, gradient));
            Assert.Equal(reference, gradient);
        }
    }

    internal static void AssertGradient(HistFactoryModel model, double[] pars, bool skipKinks = false)
    {
        HistFactoryEvaluator evaluator = model.ObservedObjective.CreateHistFactoryEvaluator();
        var gradient = new double[model.ParameterCount];
        evaluator.ValueAndGradient(pars, gradient);
        double[] x = [.. pars];
        for (int i = 0; i < x.Length; i++)
        {
            if (skipKinks && x[i] == 0.0 && model.Parameters[i].ModifierTypes.Any(t => t is ModifierTypes.NormSys or ModifierTypes.HistoSys))
            {
                continue;
            }

            double numeric = ParityTests.CentralDifference(evaluator, x, i);
            Assert.True(Math.Abs(gradient[i] - numeric) <= 1e-6 + (1e-4 * Math.Abs(numeric)),
                $"d/d{model.ParameterNames[i]} analytic {gradient[i]:R} vs central difference {numeric:R}");
        }
    }

    // pyhf code4 between ±1: 1 + Σ a_i α^i, coefficients from A⁻¹ b (α0 = 1), written out independently of the model.
    internal static double Code4Polynomial(double hi, double lo, double alpha)
    {
        double[] b = [hi - 1, lo - 1, Math.Log(hi) * hi, -Math.Log(lo) * lo, Math.Pow(Math.Log(hi), 2) * hi, Math.Pow(Math.Log(lo), 2) * lo];
        double[,] inverse =
        {
            { 15.0 / 16, -15.0 / 16, -7.0 / 16, -7.0 / 16, 1.0 / 16, -1.0 / 16 },
            { 3.0 / 2, 3.0 / 2, -9.0 / 16, 9.0 / 16, 1.0 / 16, 1.0 / 16 },
            { -5.0 / 8, 5.0 / 8, 5.0 / 8, 5.0 / 8, -1.0 / 8, 1.0 / 8 },
            { -3.0 / 2, -3.0 / 2, 7.0 / 8, -7.0 / 8, -1.0 / 8, -1.0 / 8 },
            { 3.0 / 16, -3.0 / 16, -3.0 / 16, -3.0 / 16, 1.0 / 16, -1.0 / 16 },
            { 1.0 / 2, 1.0 / 2, -5.0 / 16, 5.0 / 16, 1.0 / 16, 1.0 / 16 },
        };
        double value = 1.0;
        for (int r = 0; r < 6; r++)
        {
            double a = 0;
            for (int c = 0; c < 6; c++)
            {
                a += inverse[r, c] * b[c];
            }

            value += a * Math.Pow(alpha, r + 1);
        }

        return value;
    }
}
