package org.outpost.demo.ui.components

import android.Manifest
import android.content.Context
import android.content.Intent
import android.content.pm.PackageManager
import android.net.Uri
import android.provider.Settings
import android.util.Size
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.annotation.OptIn
import androidx.camera.core.CameraSelector
import androidx.camera.core.ExperimentalGetImage
import androidx.camera.core.ImageAnalysis
import androidx.camera.core.ImageProxy
import androidx.camera.core.Preview
import androidx.camera.core.resolutionselector.ResolutionSelector
import androidx.camera.core.resolutionselector.ResolutionStrategy
import androidx.camera.lifecycle.ProcessCameraProvider
import androidx.camera.view.PreviewView
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.aspectRatio
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberUpdatedState
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.compose.ui.viewinterop.AndroidView
import androidx.core.content.ContextCompat
import androidx.lifecycle.LifecycleOwner
import androidx.lifecycle.compose.LifecycleResumeEffect
import androidx.lifecycle.compose.LocalLifecycleOwner
import com.google.mlkit.vision.barcode.BarcodeScanner
import com.google.mlkit.vision.barcode.BarcodeScannerOptions
import com.google.mlkit.vision.barcode.BarcodeScanning
import com.google.mlkit.vision.barcode.common.Barcode
import com.google.mlkit.vision.common.InputImage
import org.outpost.demo.R
import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors
import java.util.concurrent.atomic.AtomicBoolean

/**
 * The camera, looking for a QR code: asks for the camera permission first, then hands the text
 * of the first QR code it reads to [onScanned], once. To scan again, the caller composes a new
 * one (with `key`).
 */
@Composable
fun QrScanner(onScanned: (String) -> Unit, modifier: Modifier = Modifier) {
    val context = LocalContext.current
    var granted by remember { mutableStateOf(context.hasCameraPermission()) }
    var asked by rememberSaveable { mutableStateOf(false) }
    // Checked again on every return to the app: the user may have allowed it in Settings.
    LifecycleResumeEffect(Unit) {
        granted = context.hasCameraPermission()
        onPauseOrDispose {}
    }
    val request = rememberLauncherForActivityResult(ActivityResultContracts.RequestPermission()) { result ->
        granted = result
        asked = true
    }
    LaunchedEffect(Unit) {
        if (!granted && !asked) request.launch(Manifest.permission.CAMERA)
    }
    if (granted) {
        CameraPreview(onScanned, modifier.fillMaxWidth().aspectRatio(1f))
    } else if (asked) {
        CameraRefused(onAskAgain = { request.launch(Manifest.permission.CAMERA) })
    }
}

/** Without the camera there is nothing to scan with: say so, and how to allow it. */
@Composable
private fun CameraRefused(onAskAgain: () -> Unit) {
    val context = LocalContext.current
    Column(verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text(stringResource(R.string.camera_refused), style = MaterialTheme.typography.bodyMedium)
        Button(onClick = onAskAgain) { Text(stringResource(R.string.camera_ask_again)) }
        // Once the user has said "don't ask again", only the system settings can allow it.
        OutlinedButton(onClick = { context.openAppSettings() }) { Text(stringResource(R.string.camera_open_settings)) }
    }
}

@Composable
private fun CameraPreview(onScanned: (String) -> Unit, modifier: Modifier) {
    val context = LocalContext.current
    val lifecycleOwner = LocalLifecycleOwner.current
    val deliver by rememberUpdatedState(onScanned)
    var failure by remember { mutableStateOf<String?>(null) }
    val previewView = remember { PreviewView(context).apply { scaleType = PreviewView.ScaleType.FILL_CENTER } }

    DisposableEffect(lifecycleOwner) {
        val camera = QrCamera(context, lifecycleOwner, previewView, onFound = { text -> deliver(text) }, onFailure = { failure = it })
        camera.start()
        onDispose { camera.stop() }
    }

    val problem = failure
    if (problem != null) {
        Text(problem, color = MaterialTheme.colorScheme.error)
    } else {
        AndroidView(factory = { previewView }, modifier = modifier)
    }
}

/**
 * CameraX's camera, bound to [lifecycleOwner]: the preview in [previewView] and an analysis
 * stream that ML Kit reads QR codes from, on a thread of its own. Main thread only.
 */
private class QrCamera(
    private val context: Context,
    private val lifecycleOwner: LifecycleOwner,
    private val previewView: PreviewView,
    private val onFound: (String) -> Unit,
    private val onFailure: (String) -> Unit,
) {
    private val analysisThread: ExecutorService = Executors.newSingleThreadExecutor()
    private val reader = QrReader(onFound)
    private var provider: ProcessCameraProvider? = null
    private val useCases = listOf(preview(), analysis())
    private var stopped = false

    fun start() {
        val future = ProcessCameraProvider.getInstance(context)
        future.addListener(
            {
                // The screen may have gone while the camera service started.
                if (stopped) return@addListener
                try {
                    val cameras = future.get()
                    cameras.bindToLifecycle(lifecycleOwner, lens(cameras), *useCases.toTypedArray())
                    provider = cameras
                } catch (e: Exception) {
                    onFailure(context.getString(R.string.camera_failed, e.message ?: e.toString()))
                }
            },
            ContextCompat.getMainExecutor(context),
        )
    }

    fun stop() {
        stopped = true
        provider?.unbind(*useCases.toTypedArray())
        analysisThread.shutdown()
        reader.close()
    }

    /** The back camera; the front one on a device without (a tablet, some emulators). */
    private fun lens(cameras: ProcessCameraProvider): CameraSelector =
        if (cameras.hasCamera(CameraSelector.DEFAULT_BACK_CAMERA)) {
            CameraSelector.DEFAULT_BACK_CAMERA
        } else {
            CameraSelector.DEFAULT_FRONT_CAMERA
        }

    private fun preview(): Preview =
        Preview.Builder().build().also { it.setSurfaceProvider(previewView.surfaceProvider) }

    private fun analysis(): ImageAnalysis =
        ImageAnalysis.Builder()
            // A dense transfer code (up to QR version 15, 77 modules a side) needs more pixels
            // than the 640x480 CameraX analyses by default.
            .setResolutionSelector(
                ResolutionSelector.Builder()
                    .setResolutionStrategy(
                        ResolutionStrategy(Size(1280, 720), ResolutionStrategy.FALLBACK_RULE_CLOSEST_HIGHER_THEN_LOWER),
                    )
                    .build(),
            )
            // Read the newest frame; frames that arrive while ML Kit is busy are dropped.
            .setBackpressureStrategy(ImageAnalysis.STRATEGY_KEEP_ONLY_LATEST)
            .build()
            .also { it.setAnalyzer(analysisThread, reader) }
}

/** ML Kit's barcode reader, for QR codes only, passing on the first text it finds and no more. */
private class QrReader(private val onFound: (String) -> Unit) : ImageAnalysis.Analyzer {
    private val scanner: BarcodeScanner = BarcodeScanning.getClient(
        BarcodeScannerOptions.Builder().setBarcodeFormats(Barcode.FORMAT_QR_CODE).build(),
    )
    private val found = AtomicBoolean(false)

    @OptIn(ExperimentalGetImage::class)
    override fun analyze(image: ImageProxy) {
        val frame = image.image
        if (frame == null || found.get()) {
            image.close()
            return
        }
        scanner.process(InputImage.fromMediaImage(frame, image.imageInfo.rotationDegrees))
            // ML Kit calls back on the main thread, where onFound may touch the UI.
            .addOnSuccessListener { codes ->
                val text = codes.firstNotNullOfOrNull { it.rawValue }
                if (text != null && found.compareAndSet(false, true)) onFound(text)
            }
            // The camera's buffer must stay open until ML Kit is done with it, whatever the outcome.
            .addOnCompleteListener { image.close() }
    }

    fun close() = scanner.close()
}

private fun Context.hasCameraPermission() =
    ContextCompat.checkSelfPermission(this, Manifest.permission.CAMERA) == PackageManager.PERMISSION_GRANTED

private fun Context.openAppSettings() {
    startActivity(
        Intent(Settings.ACTION_APPLICATION_DETAILS_SETTINGS, Uri.fromParts("package", packageName, null))
            .addFlags(Intent.FLAG_ACTIVITY_NEW_TASK),
    )
}
