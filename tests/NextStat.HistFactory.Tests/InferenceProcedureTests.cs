using NextStat.HistFactory.Inference;
using NextStat.Kernels.Fitting;
using Xunit;

namespace NextStat.HistFactory.Tests;

/// <summary>The inference procedures on a counting model whose answers are known in closed form.</summary>
public class InferenceProcedureTests
{
    private const double S = 10;
    private const double B = 50;

    private static InferenceCountingModel SingleBin(double n) => new([n], [S], [B]);

    private static double TwiceNll(double n, double mu) => 2 * ((mu * S) + B - (n * Math.Log((mu * S) + B)));

    private static InferenceCountingModel ThreeBins() => new(
        [62, 48, 105],
        [8, 3, 15],
        [50, 45, 80],
        [AuxDistribution.Gaussian, AuxDistribution.Poisson, AuxDistribution.Gaussian],
        [0.1, 400, 0.05]);

    [Fact]
    public void MleOfACountingExperimentIsClosedForm()
    {
        MleResult mle = MaximumLikelihood.Fit(SingleBin(65));
        Assert.True(mle.Converged, mle.Fit.Message);
        Assert.Equal("mu", mle.Poi);
        Assert.Equal((65 - B) / S, mle.PoiValue, 1e-6);
        // The Hessian is taken within ~1e-5 σ of the minimum, where the curvature differs by a few 1e-6.
        Assert.Equal(Math.Sqrt(65) / S, mle.PoiUncertainty, 1e-5);
        Assert.Equal("mu", mle.Parameters[0].Name);
    }

    [Fact]
    public void AnAtlasFitWithUncertaintiesCostsAboutOneGradientPerParameter()
    {
        // Evaluations do not depend on the machine's load: the forward-difference Hessian for the covariance (one
        // gradient per free parameter) plus a quasi-Newton path from the constraint widths (~15 gradients here;
        // 368 in all with a finite-difference Hessian at the start and a central one at the end).
        (HistFactoryInferenceModel model, MleResult mle) = InferenceParityTests.Fit("sbottom_regionA_1300_205_60");
        int free = model.Fixed.Count(f => !f);
        Assert.True(mle.Converged, mle.Fit.Message);
        Assert.InRange(mle.Fit.Evaluations, free, free + 30);
        double[] variances = model.SuggestedInput().StartVariances!;
        Assert.Equal(model.PrefitWidths[1] * model.PrefitWidths[1], variances[1]);
        Assert.True(double.IsNaN(variances[model.PoiIndex]));
        // Small models start from the finite-difference Hessian (see InferenceModelExtensions.StartVariancesAbove).
        Assert.Null(SingleBin(65).SuggestedInput().StartVariances);
    }

    [Fact]
    public void RepeatedBestFitsReuseTheirScratchAndGiveTheSameBitsForAnyThreadCount()
    {
        (HistFactoryInferenceModel model, MleResult first) = InferenceParityTests.Fit("sbottom_regionB_1400_550_60");
        foreach (int threads in new[] { 1, 2, 1 })
        {
            MleResult again = MaximumLikelihood.Fit(model, new InferenceOptions { Threads = threads });
            Assert.Equal(first.Fit.Parameters, again.Fit.Parameters);
            Assert.Equal(first.Fit.Uncertainties, again.Fit.Uncertainties);
            Assert.Equal(first.Fit.Evaluations, again.Fit.Evaluations);
            Assert.Equal(first.TwiceNll, again.TwiceNll);
        }
    }

    [Fact]
    public void ScanDifferencesAreClosedFormAndThreadCountIndependent()
    {
        InferenceCountingModel model = SingleBin(65);
        double[] grid = ProfileScan.Grid(0, 4, 21);
        ScanResult one = ProfileScan.Run(model, grid, new InferenceOptions { Threads = 1 });
        ScanResult two = ProfileScan.Run(model, grid, new InferenceOptions { Threads = 2 });
        double muHat = (65 - B) / S;
        for (int i = 0; i < grid.Length; i++)
        {
            ScanPoint point = one.Points[i];
            double expected = TwiceNll(65, grid[i]) - TwiceNll(65, muHat);
            Assert.Equal(expected, point.DeltaTwiceNll, 1e-8);
            Assert.Equal(grid[i] < muHat ? 0.0 : Math.Max(expected, 0), point.QMu, 1e-8);
            Assert.Equal(point.QMu, point.QMuTilde);
            Assert.Equal(point.TwiceNll, two.Points[i].TwiceNll);
            Assert.Equal(point.Parameters, two.Points[i].Parameters);
        }

        Assert.Throws<ArgumentException>(() => ProfileScan.Run(model, [-1.0]));
    }

    [Fact]
    public void ScanWithTheBestFitBelowZeroComparesQTildeWithTheFitAtZero()
    {
        // n = 40 below the background of 50: μ̂ = −1, so q̃_μ takes the fit at μ = 0 as its reference, fitted with
        // the scan points; q_μ takes μ̂. A grid longer than one chain, with points on both sides of chain middles.
        var model = new InferenceCountingModel([40], [S], [B], poiLower: -4);
        double[] grid = ProfileScan.Grid(0, 3, 11);
        ScanResult one = ProfileScan.Run(model, grid, new InferenceOptions { Threads = 1 });
        ScanResult two = ProfileScan.Run(model, grid, new InferenceOptions { Threads = 2 });
        Assert.Equal((40 - B) / S, one.Mle.PoiValue, 1e-6);
        for (int i = 0; i < grid.Length; i++)
        {
            ScanPoint point = one.Points[i];
            Assert.True(point.Converged);
            Assert.Equal(grid[i], point.Parameters[0]);
            Assert.Equal(TwiceNll(40, grid[i]) - TwiceNll(40, -1), point.QMu, 1e-8);
            Assert.Equal(TwiceNll(40, grid[i]) - TwiceNll(40, 0), point.QMuTilde, 1e-8);
            Assert.Equal(point.TwiceNll, two.Points[i].TwiceNll);
            Assert.Equal(point.QMuTilde, two.Points[i].QMuTilde);
        }
    }

    [Fact]
    public void ACancelledScanThrowsInsteadOfReturningPartPoints()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        InferenceCountingModel model = SingleBin(65);
        MleResult mle = MaximumLikelihood.Fit(model);
        Assert.Throws<OperationCanceledException>(() => ProfileScan.Run(model, ProfileScan.Grid(0, 4, 21), new InferenceOptions { Threads = 2 }, mle, cancelled.Token));
    }

    [Fact]
    public void HypotestOfACountingExperimentIsClosedForm()
    {
        // No nuisance parameters: q̃_μ = t_μ for μ ≥ μ̂; the background-only Asimov data set is n = b, whose best fit is μ = 0.
        var calculator = new AsymptoticCalculator(SingleBin(55));
        AsymptoticCls cls = calculator.Hypotest(2.0);
        double muHat = (55 - B) / S;
        double q = TwiceNll(55, 2.0) - TwiceNll(55, muHat);
        double qA = TwiceNll(B, 2.0) - TwiceNll(B, 0.0);
        AsymptoticCls expected = AsymptoticFormulas.QMuTildeCls(2.0, q, qA);
        Assert.Equal(expected.Cls, cls.Cls, 1e-7);
        Assert.Equal(expected.Clb, cls.Clb, 1e-7);
        Assert.Equal(Math.Sqrt(qA), cls.SqrtQMuAsimov, 1e-7);
        for (int k = 0; k < 5; k++)
        {
            Assert.Equal(expected.ExpectedCls[k], cls.ExpectedCls[k], 1e-7);
        }
    }

    [Fact]
    public void UpperLimitsSitWhereClsIsFivePercent()
    {
        var calculator = new AsymptoticCalculator(ThreeBins(), new InferenceOptions { Threads = 2 });
        UpperLimitResult limits = calculator.UpperLimit();
        Assert.Equal(0.05, calculator.Hypotest(limits.Observed).Cls, 1e-6);
        for (int k = 0; k < 5; k++)
        {
            Assert.Equal(0.05, calculator.Hypotest(limits.Expected[k]).ExpectedCls[k], 1e-6);
        }

        // The band is ordered: −2σ below −1σ below the median …
        for (int k = 1; k < 5; k++)
        {
            Assert.True(limits.Expected[k] > limits.Expected[k - 1], string.Join(", ", limits.Expected));
        }

        UpperLimitResult single = new AsymptoticCalculator(ThreeBins(), new InferenceOptions { Threads = 1 }).UpperLimit();
        Assert.Equal(limits.Observed, single.Observed);
        Assert.Equal(limits.Expected, single.Expected);
    }

    [Fact]
    public void DiscoverySignificanceIsClosedForm()
    {
        // Single bin without nuisance parameters: q₀ = 2(n ln(n/b) − (n − b)); the Asimov set for μ = 1 is n = s + b.
        DiscoveryResult discovery = new AsymptoticCalculator(SingleBin(75)).Discovery();
        double q0 = 2 * ((75 * Math.Log(75 / B)) - (75 - B));
        Assert.Equal(q0, discovery.Q0, 1e-7);
        Assert.Equal(Math.Sqrt(q0), discovery.Z0, 1e-7);
        double q0A = 2 * (((S + B) * Math.Log((S + B) / B)) - S);
        Assert.Equal(Math.Sqrt(q0A), discovery.Z0Expected, 1e-7);
        Assert.Equal(NormalDistribution.UpperTail(Math.Sqrt(q0)), discovery.P0, 1e-12);
    }

    [Fact]
    public void RankingIsSortedSignedAndThreadCountIndependent()
    {
        RankingResult one = Ranking.Run(ThreeBins(), new InferenceOptions { Threads = 1 });
        RankingResult two = Ranking.Run(ThreeBins(), new InferenceOptions { Threads = 2 });
        Assert.Equal(3, one.Entries.Count);
        Assert.Equal(0, one.FailedFits);
        for (int k = 1; k < one.Entries.Count; k++)
        {
            Assert.True(one.Entries[k - 1].PostfitImpact >= one.Entries[k].PostfitImpact);
        }

        foreach (RankingEntry entry in one.Entries)
        {
            // More background leaves less room for signal.
            Assert.True(entry.PostfitUp < 0 && entry.PostfitDown > 0, entry.ToString());
            Assert.True(entry.PrefitUp < 0 && entry.PrefitDown > 0, entry.ToString());
            Assert.InRange(entry.Constraint, 0.05, 1.0001);
        }

        Assert.Equal(one.Entries, two.Entries);
        RankingEntry gauss = one.Entries.Single(e => e.Name == "gamma[0]");
        Assert.Equal(0.1, gauss.SigmaPrefit);
        Assert.Equal((gauss.ThetaHat - 1.0) / 0.1, gauss.Pull, 1e-12);
        RankingEntry poisson = one.Entries.Single(e => e.Name == "gamma[1]");
        Assert.Equal(0.05, poisson.SigmaPrefit, 1e-15);
    }

    [Fact]
    public void ToysDrawMainAndAuxDataFromTheirDistributions()
    {
        InferenceCountingModel model = ThreeBins();
        double[] pars = [0.5, 1.1, 0.95, 1.02];
        var generator = new ToyGenerator(model, pars);
        const int toys = 4000;
        double[] sumMain = new double[3];
        double[] sumAux = new double[3];
        double[] sumAux2 = new double[3];
        for (int t = 0; t < toys; t++)
        {
            (double[] main, double[] aux) = generator.Sample(7, t);
            for (int i = 0; i < 3; i++)
            {
                sumMain[i] += main[i];
                sumAux[i] += aux[i];
                sumAux2[i] += aux[i] * aux[i];
            }
        }

        double[] lambda = new double[3];
        model.ExpectedMainData(pars, lambda);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(lambda[i], sumMain[i] / toys, 5 * Math.Sqrt(lambda[i] / toys));
        }

        // Gaussian aux: mean γ, width σ; Poisson aux: mean γ·τ (and integer draws).
        Assert.Equal(1.1, sumAux[0] / toys, 5 * 0.1 / Math.Sqrt(toys));
        Assert.Equal(0.1, Math.Sqrt((sumAux2[0] / toys) - Math.Pow(sumAux[0] / toys, 2)), 0.01);
        Assert.Equal(0.95 * 400, sumAux[1] / toys, 5 * Math.Sqrt(380.0 / toys));
        Assert.Equal(1.02, sumAux[2] / toys, 5 * 0.05 / Math.Sqrt(toys));
        (double[] m1, double[] a1) = generator.Sample(7, 123);
        (double[] m2, double[] a2) = generator.Sample(7, 123);
        Assert.Equal(m1, m2);
        Assert.Equal(a1, a2);
        Assert.Equal(Math.Round(a1[1]), a1[1]);
    }

    [Fact]
    public void ToyFitsAreIndependentOfThreadsAndSharding()
    {
        InferenceCountingModel model = ThreeBins();
        double[] pars = MaximumLikelihood.Fit(model).Fit.Parameters;
        FitResult[] all = ToyStudy.Run(model, pars, 99, 0, 40, new InferenceOptions { Threads = 1 });
        FitResult[] parallel = ToyStudy.Run(model, pars, 99, 0, 40, new InferenceOptions { Threads = 2 });
        FitResult[] firstShard = ToyStudy.Run(model, pars, 99, 0, 17, new InferenceOptions { Threads = 2 });
        FitResult[] secondShard = ToyStudy.Run(model, pars, 99, 17, 23, new InferenceOptions { Threads = 3 });
        FitResult[] merged = [.. firstShard, .. secondShard];
        for (int i = 0; i < 40; i++)
        {
            Assert.True(all[i].Converged, all[i].Message);
            Assert.Equal(all[i].Parameters, parallel[i].Parameters);
            Assert.Equal(all[i].Parameters, merged[i].Parameters);
            Assert.Equal(all[i].Value, merged[i].Value);
        }
    }

    [Fact]
    public void TheLowerBoundIsTheSaturatedLikelihoodThatAsimovDataReach()
    {
        (HistFactoryInferenceModel model, MleResult mle) = InferenceParityTests.Fit("sbottom_regionB_1400_550_60");
        (double[] main, double[] aux) = model.ExpectedData(mle.Fit.Parameters);
        IObjective asimov = model.CreateObjective(main, aux);
        double atTruth = asimov.CreateEvaluator().Value(mle.Fit.Parameters);
        // λ = n in every bin and every pull 0: the saturated model, up to the bound's rounding margin.
        Assert.InRange(atTruth - asimov.LowerBound, 0.0, 1e-6);
        double observedAtStart = model.ObservedObjective().CreateEvaluator().Value(model.SuggestedInput().Initial);
        Assert.True(observedAtStart > model.ObservedObjective().LowerBound);
    }

    [Fact]
    public void AToyWhoseLikelihoodIsUnboundedBelowStopsWhereItLeavesTheValidRegion()
    {
        // Toy 69 of seed 1 at the 1Lbb best fit: with n = 0 in a bin whose expected count can turn negative, twice_nll
        // (pyhf's as well) falls without end; the fit used to follow it for 11,344 evaluations to the box corners,
        // which held a two-thread batch of 100 toys to the time of this one fit.
        (HistFactoryInferenceModel model, MleResult mle) = InferenceParityTests.Fit("atlas_susy_2019_08_1lbb");
        InferenceOptions options = new() { Threads = 1, Fit = FitOptions.Default with { ComputeUncertainties = false } };
        FitResult toy = ToyStudy.Run(model, mle.Fit.Parameters, 1, 69, 1, options, mle.Fit.Covariance)[0];
        Assert.Equal(FitStatus.Unbounded, toy.Status);
        Assert.False(toy.Converged);
        Assert.InRange(toy.Evaluations, 1, 60);
        Assert.Contains("valid region", toy.Message, StringComparison.Ordinal);
        Assert.Contains(model.ExpectedData(toy.Parameters).Main, count => count < 0);

        // The toy's neighbours are ordinary fits.
        FitResult[] around = ToyStudy.Run(model, mle.Fit.Parameters, 1, 67, 2, options, mle.Fit.Covariance);
        Assert.All(around, fit => Assert.True(fit.Converged, fit.Message));
    }

    [Fact]
    public void ToyClsAgreesWithAsymptoticsForLargeCounts()
    {
        // With ~100 events per bin the asymptotic formulas hold well; 300 toys per hypothesis give CLs to ~±0.05.
        var model = new InferenceCountingModel([105, 98], [12, 9], [100, 95], [AuxDistribution.Gaussian, null], [0.05, 0]);
        ToyCls toys = ToyStudy.Cls(model, 1.5, 300, 2024, new InferenceOptions { Threads = 2 });
        AsymptoticCls asymptotic = new AsymptoticCalculator(model).Hypotest(1.5);
        Assert.Equal(asymptotic.Cls, toys.Cls, 0.08);
        Assert.Equal(asymptotic.Clsb, toys.Clsb, 0.06);
        Assert.Equal(asymptotic.ExpectedCls[2], toys.ExpectedCls[2], 0.08);
        Assert.Equal(asymptotic.QMuTilde, toys.QMuTildeObserved, 1e-7);
        Assert.Equal(0, toys.FailedToys);
    }
}
